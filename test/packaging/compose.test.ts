// deploy/compose/ brought up with podman-compose on local builds of every image it names, then the README's
// scenario: the guardian starts the sample job, the job is failed three times (one more than Flink's restart
// strategy allows), FlinkJobFailed fires, and the guardian's resubmission runs again from a checkpoint of the
// failed instance; then a JobManager killed and restarted gets the job back through ZooKeeper HA. Everything the
// run created goes in a finally.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkpointStats, type JobOverview, jobsOverview } from '../e2e/harness/flink-rest.js';
import { elapsed, freePort, waitFor } from '../e2e/harness/util.js';
import { buildComposeImages, ComposeProject, type ComposeImages, removeProjectLeftovers } from './harness/compose.js';
import { buildServiceImage, runPrefix } from './harness/podman.js';

const JOB = 'sample-counter';
const SERVICES = ['init', 'zookeeper', 'jobmanager', 'taskmanager', 'prometheus', 'alertmanager', 'flink-guardian'];
/** The Flink version of the local image: the line compose.yaml's default image is. */
const FLINK_VERSION = '1.20.5';

interface Episode {
  readonly cluster: string;
  readonly jobName: string;
  readonly attempts: readonly { readonly jobId: string; readonly restoreFrom: string; readonly restorePath?: string }[];
}

describe('compose stack', () => {
  const project = runPrefix('compose').replaceAll('-', '_');
  const token = randomBytes(12).toString('hex');
  const timings: string[] = [];
  let dir: string;
  let compose: ComposeProject;
  let images: ComposeImages;
  let guardianImage: string;
  const ports = { flink: 0, prometheus: 0, alertmanager: 0, guardian: 0 };
  const flinkUrl = (): string => `http://127.0.0.1:${ports.flink}`;

  /** Runs a step; when it fails, the error carries the services' logs. */
  const step = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      const value = await body();
      timings.push(`${what} ${elapsed(start)} ms`);
      return value;
    } catch (error) {
      const logs = await compose.logs(SERVICES).catch((e: unknown) => `(no logs: ${String(e)})`);
      throw new Error(`${what} failed: ${error instanceof Error ? error.message : String(error)}\n${logs}`, {
        cause: error,
      });
    }
  };

  const instances = async (): Promise<JobOverview[]> =>
    (await jobsOverview(flinkUrl())).filter((j) => j.name === JOB).sort((a, b) => a['start-time'] - b['start-time']);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-compose-'));
    let start = performance.now();
    guardianImage = await buildServiceImage();
    timings.push(`flink-guardian image ${elapsed(start)} ms`);
    start = performance.now();
    images = await buildComposeImages(FLINK_VERSION);
    timings.push(`Flink, ZooKeeper, Prometheus and Alertmanager images ${elapsed(start)} ms`);
    [ports.flink, ports.prometheus, ports.alertmanager, ports.guardian] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const envFile = join(dir, 'compose.env');
    await writeFile(
      envFile,
      [
        `FLINK_IMAGE=${images.flink}`,
        `ZOOKEEPER_IMAGE=${images.zookeeper}`,
        `PROMETHEUS_IMAGE=${images.prometheus}`,
        `ALERTMANAGER_IMAGE=${images.alertmanager}`,
        `FLINK_GUARDIAN_IMAGE=${guardianImage}`,
        `SAMPLE_JOB_JAR=${images.sampleJobJar}`,
        `FLINK_GUARDIAN_TOKEN=${token}`,
        `FLINK_REST_PORT=${ports.flink}`,
        `PROMETHEUS_PORT=${ports.prometheus}`,
        `ALERTMANAGER_PORT=${ports.alertmanager}`,
        `FLINK_GUARDIAN_PORT=${ports.guardian}`,
        '',
      ].join('\n'),
    );
    compose = new ComposeProject(project, envFile);
  });

  after(async () => {
    process.stdout.write(`# ${timings.join(', ')}\n`);
    const start = performance.now();
    await compose?.run(['down', '-v'], 5 * 60_000);
    await removeProjectLeftovers(project);
    process.stdout.write(`# down ${elapsed(start)} ms\n`);
    await rm(dir, { recursive: true, force: true });
  });

  it('recovers the sample job failed three times from a checkpoint; HA keeps it across a JobManager kill', async () => {
    await step('up', () => compose.runOk(['up', '-d'], 10 * 60_000));

    const first = await step('the guardian starts the sample job, which checkpoints', () =>
      waitFor(
        async () => {
          const running = (await instances()).find((j) => j.state === 'RUNNING');
          if (running === undefined) return undefined;
          const stats = await checkpointStats(flinkUrl(), running.jid);
          return stats.counts.completed > 0 ? running : undefined;
        },
        5 * 60_000,
        { what: `${JOB} RUNNING with a completed checkpoint`, intervalMs: 1000 },
      ),
    );

    // The README's command: a number n in the marker fails the job n times.
    await step('fail marker', () =>
      compose.runOk([
        'exec',
        '-T',
        'taskmanager',
        'sh',
        '-c',
        'cd /flink-data/sample-job && echo 3 > fail-marker.tmp && mv fail-marker.tmp fail-marker',
      ]),
    );

    await step('Flink gives up after its two restarts', () =>
      waitFor(async () => (await instances()).find((j) => j.jid === first.jid && j.state === 'FAILED'), 3 * 60_000, {
        what: `${first.jid} FAILED`,
        intervalMs: 500,
      }),
    );

    const second = await step('the guardian resubmits it and it runs again', () =>
      waitFor(async () => (await instances()).find((j) => j.jid !== first.jid && j.state === 'RUNNING'), 3 * 60_000, {
        what: `a new instance of ${JOB} RUNNING`,
        intervalMs: 500,
      }),
    );

    const restored = await step('the new instance restored a checkpoint of the failed one', () =>
      waitFor(async () => (await checkpointStats(flinkUrl(), second.jid)).latest.restored ?? undefined, 60_000, {
        what: `${second.jid}'s restored checkpoint`,
        intervalMs: 500,
      }),
    );
    assert.match(restored.external_path, new RegExp(`/flink-data/checkpoints/${first.jid}/chk-\\d+`));

    // The alert that started it, as Prometheus recorded it (it resolves as soon as the new instance runs).
    const fired = await step('FlinkJobFailed fired', () =>
      waitFor(
        async () => {
          const query = `max_over_time(ALERTS{alertname="FlinkJobFailed",alertstate="firing",job_name="${JOB}"}[15m])`;
          const res = await fetch(
            `http://127.0.0.1:${ports.prometheus}/api/v1/query?query=${encodeURIComponent(query)}`,
            { signal: AbortSignal.timeout(10_000) },
          );
          const body = (await res.json()) as { data: { result: { metric: Record<string, string> }[] } };
          return body.data.result[0]?.metric;
        },
        30_000,
        { what: 'FlinkJobFailed in Prometheus', intervalMs: 1000 },
      ),
    );
    assert.equal(fired.cluster, 'compose');
    assert.equal(fired.flink_recovery, 'auto');

    const res = await fetch(`http://127.0.0.1:${ports.guardian}/api/v1/recoveries`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 200);
    const { episodes } = (await res.json()) as { episodes: Episode[] };
    // The guardian's account: the attempt that started the new instance restored the failed one's checkpoint.
    const attempt = episodes
      .filter((e) => e.cluster === 'compose' && e.jobName === JOB)
      .flatMap((e) => e.attempts)
      .find((a) => a.jobId === second.jid);
    assert.ok(attempt, `no recovery attempt started ${second.jid}: ${JSON.stringify(episodes)}`);
    assert.equal(attempt.restoreFrom, 'checkpoint');
    assert.equal(attempt.restorePath, restored.external_path);

    // ZooKeeper HA: a JobManager killed and started again takes the job back itself, the same JobID from its own
    // newest checkpoint on the shared volume, and the guardian (FlinkJobMissing holds 15 s) submits nothing.
    const checkpoint = await step('the new instance checkpoints', () =>
      waitFor(async () => (await checkpointStats(flinkUrl(), second.jid)).latest.completed ?? undefined, 60_000, {
        what: `a checkpoint of ${second.jid}`,
        intervalMs: 500,
      }),
    );
    await step('the JobManager killed', () => compose.runOk(['kill', '-s', 'KILL', 'jobmanager']));
    await step('the JobManager started again', () => compose.runOk(['start', 'jobmanager']));
    const recovered = await step('HA brings the job back', () =>
      waitFor(
        async () => {
          const all = await instances();
          const running = all.find((j) => j.jid === second.jid && j.state === 'RUNNING');
          if (running === undefined) return undefined;
          return { all, restored: (await checkpointStats(flinkUrl(), second.jid)).latest.restored ?? undefined };
        },
        3 * 60_000,
        { what: `${second.jid} RUNNING after the JobManager's restart`, intervalMs: 1000 },
      ),
    );
    assert.deepEqual(
      recovered.all.filter((j) => j.jid !== first.jid).map((j) => j.jid),
      [second.jid],
      'no other instance of the job',
    );
    assert.match(recovered.restored?.external_path ?? '', new RegExp(`/flink-data/checkpoints/${second.jid}/chk-\\d+`));
    assert.ok((recovered.restored?.id ?? 0) >= checkpoint.id, `restored ${recovered.restored?.id} < ${checkpoint.id}`);
  });
});
