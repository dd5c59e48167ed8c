import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobSchema, type JobSpec } from '../../../src/config/schema.js';
import { samplesOf } from '../../../src/exporter/families.js';
import { mapSnapshot, type MemoryLookup, type NameMemo } from '../../../src/exporter/map.js';
import { KeptText, renderFamilies } from '../../../src/exporter/render.js';
import type { ClusterSnapshot, JobDetails } from '../../../src/exporter/snapshot.js';
import { currentInstances } from '../../../src/flink/current-instance.js';
import type { JobOverview } from '../../../src/flink/types.js';
import type { RememberedJob } from '../../../src/state/job-memory.js';
import { assertGolden } from './golden.js';
import { checkpointsWire, downSnapshot, T0, upSnapshot, type Dialect } from './scenarios.js';
import { servedSnapshot, unreachableSnapshot } from './served.js';

const RUNNING_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const FAILED_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

const spec = (cluster: string, name: string): JobSpec =>
  jobSchema.parse({ cluster, name, jar: `/opt/jobs/${name}.jar` });
const noMemory: MemoryLookup = () => undefined;

function memoryOf(entries: Record<string, RememberedJob>): MemoryLookup {
  return (cluster, name) => entries[`${cluster}/${name}`];
}

const healthyCheckpoints = checkpointsWire({
  completed: 42,
  failed: 0,
  latest: {
    id: 42,
    ack: T0 + 590_000,
    duration: 1250,
    size: 52_428_800,
    path: `file:/flink/checkpoints/${RUNNING_ID}/chk-42`,
  },
});

const render = (snapshots: readonly ClusterSnapshot[], catalog: readonly JobSpec[] = [], memory = noMemory) =>
  renderFamilies(mapSnapshot(snapshots, catalog, memory));

for (const dialect of ['1.20', '2.x'] as const satisfies readonly Dialect[]) {
  describe(`exporter golden expositions, Flink ${dialect} bodies served over HTTP to the client`, () => {
    it('a RUNNING job', async () => {
      const snap = await servedSnapshot(
        dialect,
        'prod',
        [{ jid: RUNNING_ID, name: 'orders-enrichment', state: 'RUNNING', start: T0 }],
        {
          [RUNNING_ID]: { checkpoints: healthyCheckpoints, restarts: 0 },
        },
      );
      assertGolden(`running-${dialect}`, render([snap], [spec('prod', 'orders-enrichment')]));
    });

    it('a FAILED instance beside its RUNNING successor: the successor is current', async () => {
      const snap = await servedSnapshot(
        dialect,
        'prod',
        [
          { jid: FAILED_ID, name: 'orders-enrichment', state: 'FAILED', start: T0 - 3_600_000, end: T0 - 60_000 },
          { jid: RUNNING_ID, name: 'orders-enrichment', state: 'RUNNING', start: T0 },
        ],
        { [RUNNING_ID]: { checkpoints: healthyCheckpoints, restarts: 1 } },
      );
      const text = render([snap], [spec('prod', 'orders-enrichment')]);
      assert.ok(!text.includes(FAILED_ID), 'the failed instance is not described');
      assertGolden(`failed-beside-successor-${dialect}`, text);
    });

    it('a job without checkpointing (404)', async () => {
      const snap = await servedSnapshot(
        dialect,
        'prod',
        [{ jid: RUNNING_ID, name: 'clickstream', state: 'RUNNING', start: T0 }],
        {
          [RUNNING_ID]: { checkpoints: 'disabled', restarts: 0 },
        },
      );
      assertGolden(`checkpointing-disabled-${dialect}`, render([snap]));
    });

    it('a job with failed checkpoints, one in progress, not retained', async () => {
      const snap = await servedSnapshot(
        dialect,
        'prod',
        [{ jid: RUNNING_ID, name: 'payments', state: 'RESTARTING', start: T0 }],
        {
          [RUNNING_ID]: {
            checkpoints: checkpointsWire({
              completed: 7,
              failed: 5,
              inProgress: 1,
              latest: {
                id: 9,
                ack: T0 + 100_500,
                duration: 600_000,
                size: 1024,
                path: `file:/flink/checkpoints/${RUNNING_ID}/chk-9`,
              },
            }),
            retention: { enabled: false, delete_on_cancellation: true },
            restarts: 12,
          },
        },
      );
      assertGolden(`failed-checkpoints-${dialect}`, render([snap]));
    });

    it('an unreachable cluster beside a reachable one', async () => {
      const up = await servedSnapshot(
        dialect,
        'prod',
        [{ jid: RUNNING_ID, name: 'orders-enrichment', state: 'RUNNING', start: T0 }],
        {
          [RUNNING_ID]: { checkpoints: healthyCheckpoints, restarts: 0 },
        },
      );
      const text = render(
        [up, await unreachableSnapshot('staging')],
        [spec('prod', 'orders-enrichment'), spec('staging', 'orders-enrichment')],
      );
      assert.match(text, /^flink_cluster_up\{cluster="staging"\} 0$/m);
      assert.ok(
        !/job_name="[^"]*"[^\n]*cluster="staging"|cluster="staging",job_name/.test(text),
        'no job series for the unreachable cluster',
      );
      assertGolden(`unreachable-cluster-${dialect}`, text);
    });

    it('catalog jobs with no instance: lost ones are missing, stopped ones are not', async () => {
      const snap = await servedSnapshot(
        dialect,
        'prod',
        [{ jid: RUNNING_ID, name: 'orders-enrichment', state: 'RUNNING', start: T0 }],
        {
          [RUNNING_ID]: { checkpoints: healthyCheckpoints, restarts: 0 },
        },
      );
      const memory = memoryOf({
        'prod/payments': { jobId: FAILED_ID, lastState: 'RUNNING', checkpointPath: 'file:/cp/chk-1', seenAt: T0 },
        'prod/reporting': { jobId: FAILED_ID, lastState: 'CANCELED', checkpointPath: undefined, seenAt: T0 },
      });
      const catalog = ['orders-enrichment', 'payments', 'reporting', 'never-seen'].map((n) => spec('prod', n));
      const text = render([snap], catalog, memory);
      assert.match(text, /^flink_job_missing\{cluster="prod",job_name="payments"\} 1$/m);
      assert.match(text, /^flink_job_missing\{cluster="prod",job_name="never-seen"\} 1$/m);
      assert.match(text, /^flink_job_missing\{cluster="prod",job_name="reporting"\} 0$/m);
      assert.match(text, /^flink_job_missing\{cluster="prod",job_name="orders-enrichment"\} 0$/m);
      assert.ok(
        !text.includes('job_name="reporting"} 0\nflink_job_up'),
        'no availability series for a job stopped on purpose',
      );
      assertGolden(`missing-catalog-job-${dialect}`, text);
    });
  });
}

describe('exporter mapping details', () => {
  it('emits all 11 states for the current instance, exactly one of them 1', () => {
    const snap = upSnapshot('2.x', 'prod', [{ jid: RUNNING_ID, name: 'a', state: 'RECONCILING', start: T0 }], {});
    const families = mapSnapshot([snap], [], noMemory);
    const samples = (name: string) => {
      const family = families.find((f) => f.name === name);
      return family === undefined ? [] : samplesOf(family);
    };
    const states = samples('flink_job_state');
    assert.equal(states.length, 11);
    assert.deepEqual(
      states.filter((s) => s.value === 1).map((s) => /state="(\w+)"/.exec(s.labels)?.[1]),
      ['RECONCILING'],
    );
    assert.equal(samples('flink_job_up')[0]?.value, 0);
    assert.deepEqual(samples('flink_job_checkpointing_enabled'), [], 'no detail series when details failed');
  });

  it('renders the same with a name memo, which follows the job list and the catalog', () => {
    const snap = upSnapshot(
      '1.20',
      'prod',
      [
        { jid: RUNNING_ID, name: 'b', state: 'RUNNING', start: T0 },
        { jid: FAILED_ID, name: 'a', state: 'FAILED', start: T0, end: T0 + 1 },
      ],
      {},
    );
    const memo: NameMemo = new WeakMap();
    const catalog = [spec('prod', 'c')];
    const plain = renderFamilies(mapSnapshot([snap], catalog, noMemory));
    assert.equal(renderFamilies(mapSnapshot([snap], catalog, noMemory, memo)), plain);
    assert.equal(renderFamilies(mapSnapshot([snap], catalog, noMemory, memo)), plain);
    // Another catalog with the same job list: the memo of the first catalog is not used.
    const other = [spec('prod', 'd')];
    const withOther = renderFamilies(mapSnapshot([snap], other, noMemory, memo));
    assert.equal(withOther, renderFamilies(mapSnapshot([snap], other, noMemory)));
    assert.ok(withOther.includes('job_name="d"') && !withOther.includes('job_name="c"'));
  });

  it("follows a change of any one job's details while the memo hands back last mapping's rows", () => {
    const ids = ['11', '22', '33'].map((d) => d.repeat(16));
    const jobs = ids.map((jid, i) => ({ jid, name: `job-${i}`, state: 'RUNNING' as const, start: T0 }));
    const steady = upSnapshot(
      '1.20',
      'prod',
      jobs,
      Object.fromEntries(ids.map((jid) => [jid, { checkpoints: 'disabled' as const, restarts: 1 }])),
    );
    if (!steady.ok) throw new Error('the snapshot is of a reachable cluster');
    const steadyDetails: ReadonlyMap<string, JobDetails> = steady.details;
    const memo: NameMemo = new WeakMap();
    // One catalog for all mappings: the memo follows the catalog too.
    const none: readonly JobSpec[] = [];
    const mapped = (snap: ClusterSnapshot) => renderFamilies(mapSnapshot([snap], none, noMemory, memo));
    const plain = (snap: ClusterSnapshot) => renderFamilies(mapSnapshot([snap], [], noMemory));
    assert.equal(mapped(steady), plain(steady));
    for (const [i, id] of ids.entries()) {
      // The same job list with one job's details changed: first, middle and last place.
      const changedDetails = new Map<string, JobDetails>(steadyDetails);
      changedDetails.set(id, { ...(steadyDetails.get(id) as JobDetails), restarts: 7 });
      const changed: ClusterSnapshot = { ...steady, details: changedDetails };
      const text = mapped(changed);
      assert.equal(text, plain(changed), `job ${i}`);
      assert.ok(text.includes(`flink_job_restarts_total{cluster="prod",job_name="job-${i}"} 7`), `job ${i}`);
      assert.equal(mapped(steady), plain(steady), `back after job ${i}`);
    }
  });

  it('writes kept text only while the rows it was made of are the same: instances, details, memory, clusters', () => {
    const ids = ['11', '22', '33'].map((d) => d.repeat(16));
    const steady = upSnapshot(
      '1.20',
      'prod',
      ids.map((jid, i) => ({ jid, name: `job-${i}`, state: 'RUNNING' as const, start: T0 })),
      Object.fromEntries(ids.map((jid) => [jid, { checkpoints: healthyCheckpoints, restarts: 1 }])),
    );
    if (!steady.ok) throw new Error('the snapshot is of a reachable cluster');
    const catalog = [spec('prod', 'job-0'), spec('prod', 'gone')];
    const memo: NameMemo = new WeakMap();
    const kept = new KeptText();
    // Like the exporter: one memo, one kept text, one catalog, snapshots that share what did not change.
    const check = (what: string, snaps: readonly ClusterSnapshot[], memory = noMemory): string => {
      const text = renderFamilies(mapSnapshot(snaps, catalog, memory, memo), kept);
      assert.equal(text, renderFamilies(mapSnapshot(snaps, catalog, memory)), what);
      return text;
    };
    const withDetails = (id: string, change: (d: JobDetails) => JobDetails): ClusterSnapshot => {
      const details = new Map(steady.details);
      details.set(id, change(steady.details.get(id) as JobDetails));
      return { ...steady, details };
    };
    const withJob = (index: number, change: (j: JobOverview) => JobOverview): ClusterSnapshot => {
      const jobs = steady.jobs.map((job, i) => (i === index ? change(job) : job));
      return { ...steady, jobs, current: currentInstances(jobs) };
    };
    const id1 = ids[1] as string;
    check('steady', [steady]);
    check('steady again, the text kept', [steady]);
    check('steady, from what was kept', [steady]);
    const restarted = check('restarts', [withDetails(id1, (d) => ({ ...d, restarts: 9 }))]);
    assert.ok(restarted.includes('flink_job_restarts_total{cluster="prod",job_name="job-1"} 9'));
    const unretained = check('retention', [
      withDetails(id1, (d) => ({
        ...d,
        checkpointConfig: d.checkpointConfig && { ...d.checkpointConfig, externalized: false },
      })),
    ]);
    assert.ok(unretained.includes('flink_job_checkpoints_retained{cluster="prod",job_name="job-1"} 0'));
    const moved = check('a checkpoint', [
      withDetails(id1, (d) =>
        d.checkpoints.kind === 'enabled'
          ? { ...d, checkpoints: { kind: 'enabled', stats: { ...d.checkpoints.stats, completed: 43 } } }
          : d,
      ),
    ]);
    assert.ok(moved.includes('flink_job_checkpoints_total{cluster="prod",job_name="job-1",result="completed"} 43'));
    check('back to steady', [steady]);
    check('steady, kept again', [steady]);
    const failed = check('a state', [withJob(2, (j) => ({ ...j, state: 'FAILING' }))]);
    assert.ok(failed.includes('flink_job_state{cluster="prod",job_name="job-2",state="FAILING"} 1'));
    const restartedJob = check('a start time', [withJob(0, (j) => ({ ...j, startTime: T0 + 5_000 }))]);
    assert.ok(
      restartedJob.includes(`flink_job_start_time_seconds{cluster="prod",job_name="job-0"} ${(T0 + 5_000) / 1000}`),
    );
    check('steady once more', [steady]);
    check('steady, kept once more', [steady]);
    const cancelled = check(
      'memory of a missing job',
      [steady],
      memoryOf({ 'prod/gone': { jobId: FAILED_ID, lastState: 'CANCELED', checkpointPath: undefined, seenAt: T0 } }),
    );
    assert.ok(cancelled.includes('flink_job_missing{cluster="prod",job_name="gone"} 0'));
    check('a second cluster', [
      steady,
      upSnapshot('1.20', 'dev', [{ jid: ids[0] as string, name: 'job-0', state: 'RUNNING', start: T0 }], {}),
    ]);
    check('the cluster down', [downSnapshot('prod')]);
    check('and up', [steady]);
  });

  it('leaves no series for a job that vanished', () => {
    const before = upSnapshot('1.20', 'prod', [{ jid: RUNNING_ID, name: 'gone', state: 'RUNNING', start: T0 }], {});
    const after = upSnapshot('1.20', 'prod', [], {});
    assert.ok(render([before]).includes('gone'));
    assert.ok(!render([after]).includes('gone'));
  });
});
