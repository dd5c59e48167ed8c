import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ManualClock } from '../../support/clock.js';
import type { Config } from '../../../src/config/schema.js';
import { createLogger, silentLogger } from '../../../src/log.js';
import type { IncomingAlert } from '../../../src/recovery/decide/screen.js';
import { attemptJobId, rootOf } from '../../../src/recovery/model/job-id.js';
import type { Notifier, OutcomeNotice } from '../../../src/recovery/report/notify.js';
import { Recoverer } from '../../../src/recovery/recoverer.js';
import { ManualTimers } from '../../support/timers.js';
import { episodeFile } from '../../../src/recovery/store/episodes.js';
import { MapMemory } from '../../support/job-memory.js';
import { createSimulatedCluster, type SimulatedCluster } from '../../support/flink-sim/cluster.js';
import { InProcessFlink } from '../../support/flink-sim/in-process.js';
import { clusterConfig, FAILED_ID, recoveryConfig } from './fixtures.js';

const firing: IncomingAlert = {
  status: 'firing',
  labels: {
    alertname: 'FlinkJobFailed',
    cluster: 'prod',
    job_name: 'orders',
    flink_recovery: 'auto',
    severity: 'critical',
  },
  fingerprint: 'abc',
};

function config(stateDir: string, over: Partial<Config['recovery']> = {}): Config {
  return clusterConfig(
    stateDir,
    recoveryConfig({ cooldown: 1_000, verifyTimeout: 5_000, resetAfter: 10_000, ...over }),
    [
      {
        cluster: 'prod',
        name: 'orders',
        jar: '/jars/orders.jar',
        entryClass: 'com.example.Orders',
        args: ['--x'],
        parallelism: 2,
      },
    ],
  );
}

/** A run request's wire body, as the simulated JobManager received it. */
interface RunBody {
  readonly jobId?: string;
  readonly savepointPath?: string;
  readonly programArgsList?: string[];
  readonly parallelism?: number;
}

interface Harness {
  dir: string;
  clock: ManualClock;
  timers: ManualTimers;
  sim: SimulatedCluster;
  memory: MapMemory;
  registry: Registry;
  notices: OutcomeNotice[];
  recoverer: Recoverer;
}

async function build(
  h: Omit<Harness, 'recoverer' | 'registry' | 'timers'>,
  over: Partial<Config['recovery']> = {},
): Promise<Harness> {
  const registry = new Registry();
  const timers = new ManualTimers(h.clock);
  const notifier: Notifier = { notify: async (n) => void h.notices.push(n) };
  const recoverer = await Recoverer.create({
    config: config(h.dir, over),
    clients: new Map([['prod', new InProcessFlink(h.sim)]]),
    memory: h.memory,
    clock: h.clock,
    logger: process.env.RACE_LOG ? createLogger('debug') : silentLogger(),
    registry,
    timers,
    notifier,
  });
  await recoverer.start();
  return { ...h, registry, timers, recoverer };
}

/** Yields to the event loop until `cond` holds (file I/O completes without any timer). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100_000 && !cond(); i += 1) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition never held');
}

/** Moves time forward in steps, letting the async work of each fired timer finish. */
async function run(h: Harness, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    h.timers.advance(step);
    await h.recoverer.idle();
  }
}

async function metric(h: Harness, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = (await h.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value;
}

describe('Recoverer (in-process simulated Flink, manual time)', () => {
  let dir: string;
  let clock: ManualClock;
  let sim: SimulatedCluster;
  let memory: MapMemory;
  let notices: OutcomeNotice[];
  const harnesses: Harness[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recoverer-'));
    clock = new ManualClock();
    sim = createSimulatedCluster({ version: '2.1.0', now: () => clock.now(), checkpointDir: 'file:/ckpt' });
    memory = new MapMemory();
    notices = [];
    // The failed instance left savepoint /sp/1 (checkpoint id 1), then checkpoints chk-2 … chk-7.
    sim.addJob({ jobId: FAILED_ID, name: 'orders' });
    sim.takeSavepoint(FAILED_ID, '/sp/1');
    for (let n = 2; n <= 7; n += 1) sim.completeCheckpoint(FAILED_ID);
    sim.fail(FAILED_ID);
  });
  /** The run requests the JobManager answered, oldest first. */
  const runs = () => sim.runRequests().map((r) => ({ jarId: r.jarId, status: r.status, body: r.body as RunBody }));
  /** Run requests received, answered or still held. */
  const received = () => sim.requestCount('POST /jars/:jarid/run');
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.recoverer.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const make = async (over: Partial<Config['recovery']> = {}) => {
    const h = await build({ dir, clock, sim, memory, notices }, over);
    harnesses.push(h);
    return h;
  };

  it('recovers from the latest checkpoint, uploads the missing jar, closes after resetAfter', async () => {
    const h = await make();
    assert.deepEqual(h.recoverer.accept([firing]), { ok: true, alerts: 1, considered: 1 });
    await h.recoverer.idle();
    assert.equal(runs().length, 1);
    const run0 = runs()[0];
    assert.deepEqual(
      sim.uploads().map((u) => u.fileName),
      ['orders.jar'],
    );
    assert.equal(run0?.jarId, sim.uploads()[0]?.jarId);
    assert.equal(run0?.body.jobId, attemptJobId(rootOf(FAILED_ID), 1));
    assert.equal(run0?.body.savepointPath, `file:/ckpt/${FAILED_ID}/chk-7`);
    assert.deepEqual(run0?.body.programArgsList, ['--x']);
    assert.equal(run0?.body.parallelism, 2);
    assert.equal(await metric(h, 'flink_recovery_in_progress', { job_name: 'orders' }), 1);
    await run(h, 11_000, 500);
    const ep = h.recoverer.episodes()[0];
    assert.equal(ep?.status, 'closed');
    assert.equal(ep?.outcome, 'recovered');
    assert.equal(
      await metric(h, 'flink_recovery_attempts_total', { restore_from: 'checkpoint', result: 'succeeded' }),
      1,
    );
    assert.equal(await metric(h, 'flink_recovery_episodes_total', { outcome: 'recovered' }), 1);
    assert.equal(await metric(h, 'flink_recovery_in_progress', { job_name: 'orders' }), 0);
    assert.deepEqual(
      notices.map((n) => n.kind),
      ['recovered'],
    );
  });

  it('pre-creates every series a catalog job can have at 0, and only those', async () => {
    const h = await make();
    const text = await h.registry.metrics();
    assert.match(
      text,
      /flink_recovery_attempts_total\{cluster="prod",job_name="orders",restore_from="scan",result="failed"\} 0/,
    );
    assert.match(text, /flink_recovery_skipped_total\{cluster="prod",job_name="orders",reason="instance_active"\} 0/);
    assert.match(text, /flink_recovery_skipped_total\{cluster="prod",job_name="orders",reason="not_auto"\} 0/);
    // An alert that names a catalog job has both labels, a configured cluster and a job spec.
    for (const reason of ['no_job_spec', 'unknown_cluster', 'missing_labels'])
      assert.doesNotMatch(text, new RegExp(`reason="${reason}"`));
    assert.match(text, /flink_recovery_episodes_total\{cluster="prod",job_name="orders",outcome="abandoned"\} 0/);
    assert.match(text, /flink_recovery_exhausted\{cluster="prod",job_name="orders"\} 0/);
    assert.match(text, /flink_recovery_time_to_recover_seconds_count\{cluster="prod"\} 0/);
  });

  it('50 identical notifications at once start exactly one submission', async () => {
    const h = await make();
    for (let i = 0; i < 50; i += 1) h.recoverer.accept([firing]);
    await h.recoverer.idle();
    assert.equal(runs().length, 1);
    const skipped = (await metric(h, 'flink_recovery_skipped_total', { reason: 'in_progress' })) ?? 0;
    const cooldown = (await metric(h, 'flink_recovery_skipped_total', { reason: 'cooldown' })) ?? 0;
    assert.equal(skipped + cooldown, 49);
  });

  it('an always-failing job: exactly maxAttempts submissions, backoff between them, then exhausted', async () => {
    sim.setRunBehaviour({ outcome: 'failed' });
    const h = await make({ backoffFactor: 2, maxCooldown: 3_000 });
    h.recoverer.accept([firing]);
    await h.recoverer.idle();
    const times = [clock.now()];
    for (let i = 0; i < 200 && h.recoverer.episodes()[0]?.status === 'open'; i += 1) {
      const before = runs().length;
      await run(h, 100, 100);
      if (runs().length > before) times.push(clock.now());
    }
    assert.equal(runs().length, 3);
    assert.deepEqual(new Set(runs().map((r) => r.body.jobId)).size, 3);
    assert.ok(
      (times[1] ?? 0) - (times[0] ?? 0) >= 1_000 && (times[2] ?? 0) - (times[1] ?? 0) >= 2_000,
      times.join(','),
    );
    assert.equal(h.recoverer.episodes()[0]?.status, 'exhausted');
    assert.equal(await metric(h, 'flink_recovery_exhausted', { job_name: 'orders' }), 1);
    assert.equal(await metric(h, 'flink_recovery_attempts_total', { result: 'failed', restore_from: 'checkpoint' }), 3);
    // Later notifications change nothing; the job running again clears the exhausted flag.
    h.recoverer.accept([firing]);
    await run(h, 5_000, 500);
    assert.equal(runs().length, 3);
    assert.equal(await metric(h, 'flink_recovery_skipped_total', { reason: 'exhausted' }), 1);
    sim.addJob({ jobId: 'c'.repeat(32), name: 'orders' });
    await run(h, 2_000, 500);
    assert.equal(await metric(h, 'flink_recovery_exhausted', { job_name: 'orders' }), 0);
    assert.deepEqual(
      notices.map((n) => n.kind),
      ['attempt_failed', 'attempt_failed', 'attempt_failed', 'exhausted'],
    );
  });

  it('a refused checkpoint fails that attempt and the savepoint is tried next', async () => {
    sim.deletePath(`file:/ckpt/${FAILED_ID}/chk-7`);
    const h = await make();
    h.recoverer.accept([firing]);
    await run(h, 2_000);
    assert.deepEqual(
      runs().map((r) => r.body.savepointPath),
      [`file:/ckpt/${FAILED_ID}/chk-7`, '/sp/1'],
    );
    assert.equal(await metric(h, 'flink_recovery_attempts_total', { restore_from: 'checkpoint', result: 'failed' }), 1);
    assert.equal(h.recoverer.episodes()[0]?.attempts[0]?.failure, 'restore_refused');
  });

  it('skips CANCELED, FINISHED, active and resolved alerts, and counts why', async () => {
    const h = await make();
    sim.cancel(FAILED_ID);
    h.recoverer.accept([
      firing,
      { ...firing, status: 'resolved' },
      { ...firing, labels: { ...firing.labels, flink_recovery: 'no' } },
    ]);
    await h.recoverer.idle();
    sim.setState(FAILED_ID, 'RESTARTING');
    h.recoverer.accept([firing]);
    await h.recoverer.idle();
    assert.equal(runs().length, 0);
    for (const reason of ['not_failed', 'resolved', 'not_auto', 'instance_active']) {
      assert.equal(await metric(h, 'flink_recovery_skipped_total', { reason }), 1, reason);
    }
  });

  it('dryRun logs and counts what would be done, submits and stores nothing', async () => {
    const h = await make({ dryRun: true });
    h.recoverer.accept([firing]);
    await h.recoverer.idle();
    assert.equal(runs().length, 0);
    assert.equal(h.recoverer.episodes().length, 0);
    assert.equal(await metric(h, 'flink_recovery_skipped_total', { reason: 'dry_run' }), 1);
  });

  it('a missing catalog job restores from the remembered path', async () => {
    sim.remove(FAILED_ID);
    memory.map.set('prod/orders', {
      jobId: 'b'.repeat(32),
      lastState: 'RUNNING',
      checkpointPath: '/remembered/chk-3',
      seenAt: clock.now(),
    });
    const h = await make();
    h.recoverer.accept([{ ...firing, labels: { ...firing.labels, alertname: 'FlinkJobMissing' } }]);
    await h.recoverer.idle();
    assert.equal(runs()[0]?.body.savepointPath, '/remembered/chk-3');
    assert.equal(runs()[0]?.body.jobId, attemptJobId(rootOf('b'.repeat(32)), 1));
  });

  for (const [source, seen, startsAt, expected] of [
    ['last_seen', -61_000, -20_000, -61_000],
    ['alert', undefined, -20_000, -35_000], // startsAt minus the rule's for: (15 s)
    ['episode_open', undefined, undefined, 0],
  ] as const) {
    it(`a vanished job's time to recover counts from its failure moment (${source}), across a restart`, async () => {
      sim.remove(FAILED_ID);
      const opened = clock.now();
      if (seen !== undefined) {
        memory.map.set('prod/orders', {
          jobId: 'b'.repeat(32),
          lastState: 'RUNNING',
          checkpointPath: '/remembered/chk-3',
          seenAt: opened + seen,
        });
      }
      sim.holdRuns(); // the first life never hears back: a crash after the POST
      const h1 = await make({ onNoCheckpoint: 'fresh' });
      h1.recoverer.accept([
        {
          ...firing,
          labels: { ...firing.labels, alertname: 'FlinkJobMissing' },
          ...(startsAt === undefined ? {} : { startsAt: new Date(opened + startsAt).toISOString() }),
        },
      ]);
      await until(() => received() === 1);
      assert.equal(h1.recoverer.episodes()[0]?.failureTimeSource, source);
      assert.equal(h1.recoverer.episodes()[0]?.failedAt, opened + expected);
      // A restart reads the failure moment back from the episode file, and measures from it.
      const posted = h1.recoverer.episodes()[0]?.attempts[0];
      sim.addJob({
        jobId: posted?.jobId ?? '',
        name: 'orders',
        ...(posted?.restorePath === undefined ? {} : { restoredFrom: posted.restorePath }),
      });
      clock.set(opened + 4_000);
      harnesses.splice(0);
      const h2 = await make({ onNoCheckpoint: 'fresh' });
      await h2.recoverer.idle();
      const ep = h2.recoverer.episodes()[0];
      assert.equal(ep?.failureTimeSource, source);
      assert.equal(ep?.phase, 'running');
      const sum = /flink_recovery_time_to_recover_seconds_sum\{cluster="prod"\} ([\d.]+)/.exec(
        await h2.registry.metrics(),
      )?.[1];
      assert.equal(Number(sum), (4_000 - expected) / 1000);
    });
  }

  it('a job whose every restore point is refused ends state_lost and is never started fresh', async () => {
    sim.deletePath(`file:/ckpt/${FAILED_ID}/chk-7`);
    sim.deletePath('/sp/1');
    const h = await make({ onNoCheckpoint: 'fresh', maxAttempts: 5 });
    h.recoverer.accept([firing]);
    await run(h, 5_000, 100);
    assert.deepEqual(
      runs().map((r) => r.body.savepointPath),
      [`file:/ckpt/${FAILED_ID}/chk-7`, '/sp/1'],
    );
    assert.equal(h.recoverer.episodes()[0]?.status, 'exhausted');
    assert.equal(h.recoverer.episodes()[0]?.endReason, 'state_lost');
  });

  it('records the root cause; a not-retryable one pages without a submission, and says why', async () => {
    sim.fail(FAILED_ID, {
      exceptionName: 'java.lang.ClassNotFoundException',
      stacktrace: 'java.lang.ClassNotFoundException: com.example.Gone\n\tat com.example.Main.main(Main.java:12)',
      failureLabels: { type: 'user' },
    });
    const h = await make({ notRetryable: [{ exceptionClass: 'java.lang.ClassNotFoundException' }] });
    h.recoverer.accept([firing]);
    await run(h, 1_000, 100);
    const ep = h.recoverer.episodes()[0];
    assert.equal(runs().length, 0);
    assert.equal(ep?.status, 'exhausted');
    assert.equal(ep?.endReason, 'not_retryable');
    assert.equal(ep?.rootCause?.exceptionClass, 'java.lang.ClassNotFoundException');
    assert.equal(ep?.rootCause?.jobId, FAILED_ID);
    const notice = notices.find((n) => n.kind === 'exhausted');
    assert.equal(notice?.reason, 'not_retryable');
    assert.equal(notice?.rootException, 'java.lang.ClassNotFoundException');
  });

  it('a retryable root cause is retried, and a failed attempt’s own cause replaces it', async () => {
    sim.fail(FAILED_ID, {
      exceptionName: 'java.io.IOException',
      stacktrace: 'java.io.IOException: io',
      failureLabels: {},
    });
    const h = await make({ maxAttempts: 3, notRetryable: [{ messagePattern: 'poison' }] });
    sim.setRunBehaviour({
      outcome: 'failed',
      cause: {
        exceptionName: 'java.lang.IllegalStateException',
        stacktrace: 'java.lang.IllegalStateException: poison pill',
        failureLabels: {},
      },
    });
    h.recoverer.accept([firing]);
    await run(h, 5_000, 100);
    const ep = h.recoverer.episodes()[0];
    assert.equal(runs().length, 1);
    assert.equal(ep?.endReason, 'not_retryable');
    assert.equal(ep?.rootCause?.jobId, attemptJobId(rootOf(FAILED_ID), 1));
  });

  it('a successor that restored from other state fails its attempt and pages; it is never doubled', async () => {
    sim.setRunBehaviour({ restoredFrom: `file:/ckpt/${FAILED_ID}/chk-3` });
    const h = await make({ maxAttempts: 3 });
    h.recoverer.accept([firing]);
    await run(h, 15_000, 500);
    const ep = h.recoverer.episodes()[0];
    assert.equal(runs().length, 1);
    assert.equal(ep?.status, 'exhausted');
    assert.equal(ep?.endReason, 'restore_unverified');
    assert.equal(ep?.attempts[0]?.failure, 'restore_unverified');
    assert.equal(await metric(h, 'flink_recovery_exhausted', { job_name: 'orders' }), 1);
  });

  it('a duplicate refusal of the first POST means another replica won: its instance is followed', async () => {
    const release = sim.holdRuns();
    const h = await make();
    h.recoverer.accept([firing]);
    await until(() => received() === 1);
    // The other replica's submission of the same attempt lands first, from a restore point of its choice.
    sim.addJob({ jobId: attemptJobId(rootOf(FAILED_ID), 1), name: 'orders', restoredFrom: '/elsewhere/chk-9' });
    release();
    await run(h, 11_000, 500);
    const ep = h.recoverer.episodes()[0];
    assert.equal(ep?.outcome, 'recovered');
    assert.equal(ep?.attempts.length, 1);
    assert.equal(ep?.attempts[0]?.adopted, true);
    assert.equal(sim.jobs().filter((j) => j.state === 'RUNNING').length, 1);
  });

  it('onNoCheckpoint=skip with nothing to restore gives up and says so', async () => {
    sim.remove(FAILED_ID);
    sim.addJob({ jobId: FAILED_ID, name: 'orders', state: 'FAILED' });
    const h = await make({ onNoCheckpoint: 'skip' });
    h.recoverer.accept([firing]);
    await h.recoverer.idle();
    assert.equal(runs().length, 0);
    assert.equal(h.recoverer.episodes()[0]?.status, 'exhausted');
    assert.equal(await metric(h, 'flink_recovery_skipped_total', { reason: 'no_restore_point' }), 1);
  });

  it('a person cancelling the resubmitted instance abandons the episode', async () => {
    const h = await make({ resetAfter: 60_000 });
    h.recoverer.accept([firing]);
    await h.recoverer.idle();
    await run(h, 500);
    sim.cancel(attemptJobId(rootOf(FAILED_ID), 1));
    await run(h, 2_000);
    assert.equal(h.recoverer.episodes()[0]?.outcome, 'abandoned');
    assert.equal(await metric(h, 'flink_recovery_episodes_total', { outcome: 'abandoned' }), 1);
  });

  it('reset ends an exhausted episode and lets automation act again', async () => {
    sim.setRunBehaviour({ outcome: 'failed' });
    const h = await make({ maxAttempts: 1 });
    h.recoverer.accept([firing]);
    await run(h, 1_000);
    assert.equal(h.recoverer.episodes()[0]?.status, 'exhausted');
    assert.equal((await h.recoverer.reset('prod', 'nope')).kind, 'not_found');
    assert.equal((await h.recoverer.reset('prod', 'orders')).kind, 'reset');
    assert.equal(await metric(h, 'flink_recovery_exhausted', { job_name: 'orders' }), 0);
    assert.equal((await h.recoverer.reset('prod', 'orders')).kind, 'not_exhausted');
  });

  it('after a crash between intent and POST, a restart submits once with the same JobID', async () => {
    const release = sim.holdRuns();
    const h1 = await make();
    h1.recoverer.accept([firing]);
    await until(() => received() === 1); // the POST is now held in flight
    const state = JSON.parse(await readFile(episodeFile(dir, 'prod', 'orders'), 'utf8')) as {
      episode: { phase: string };
    };
    assert.equal(state.episode.phase, 'submitting');
    // Simulate the crash: the held POST never reached Flink; a new process starts on the same state.
    sim.resetCounts();
    const h2 = await build({ dir, clock, sim, memory, notices });
    harnesses.push(h2);
    await h2.recoverer.idle();
    assert.equal(runs().length, 1);
    assert.equal(runs()[0]?.body.jobId, attemptJobId(rootOf(FAILED_ID), 1));
    assert.equal(h2.recoverer.episodes()[0]?.phase, 'running');
    release();
  });

  it('after a crash between POST and recording it, a restart finds it landed and submits nothing', async () => {
    const h1 = await make();
    sim.holdRuns(); // the POST lands but its answer never comes back
    h1.recoverer.accept([firing]);
    await until(() => received() === 1);
    sim.addJob({
      jobId: attemptJobId(rootOf(FAILED_ID), 1),
      name: 'orders',
      restoredFrom: `file:/ckpt/${FAILED_ID}/chk-7`,
    });
    const receivedBefore = received();
    const h2 = await build({ dir, clock, sim, memory, notices });
    harnesses.splice(0); // h1 can never stop: its POST hangs forever, like a killed process
    harnesses.push(h2);
    await h2.recoverer.idle();
    assert.equal(received(), receivedBefore);
    assert.equal(h2.recoverer.episodes()[0]?.phase, 'running');
  });

  it('Flink unreachable at intake is a counted skip; during an episode the episode waits', async () => {
    sim.injectFault('*', { reset: true });
    const h = await make();
    h.recoverer.accept([firing]);
    await h.recoverer.idle();
    assert.equal(await metric(h, 'flink_recovery_skipped_total', { reason: 'flink_unreachable' }), 1);
    sim.clearFaults();
    h.recoverer.accept([firing]);
    await h.recoverer.idle();
    assert.equal(runs().length, 1);
  });

  it('an alert taken while Flink is unreachable is looked at again every poll until Flink answers', async () => {
    sim.injectFault('*', { reset: true });
    const h = await make(); // poll 100 ms, verifyTimeout 5 s
    h.recoverer.accept([firing]);
    await h.recoverer.idle();
    assert.equal(await metric(h, 'flink_recovery_skipped_total', { reason: 'flink_unreachable' }), 1);
    await run(h, 1_000);
    const looks = (await metric(h, 'flink_recovery_skipped_total', { reason: 'flink_unreachable' })) ?? 0;
    assert.ok(looks >= 8 && looks <= 11, `${looks} looks in the first second`);
    assert.equal(runs().length, 0);
    sim.clearFaults(); // no new notification: Alertmanager would send one only after repeat_interval
    await run(h, 200);
    assert.equal(runs().length, 1);
    assert.equal(runs()[0]?.body.savepointPath, `file:/ckpt/${FAILED_ID}/chk-7`);
    assert.equal(h.recoverer.episodes()[0]?.status, 'open');
  });

  it('stops looking again verifyTimeout after the alert; the next notification starts over', async () => {
    sim.injectFault('*', { reset: true });
    const h = await make({ verifyTimeout: 1_000 }); // poll 100 ms
    h.recoverer.accept([firing]);
    await h.recoverer.idle();
    await run(h, 3_000);
    const looks = (await metric(h, 'flink_recovery_skipped_total', { reason: 'flink_unreachable' })) ?? 0;
    assert.ok(looks >= 9 && looks <= 12, `${looks} looks: about one per poll for 1 s, then none`);
    assert.equal(h.timers.size, 0, 'no retry left behind');
    sim.clearFaults();
    await run(h, 1_000);
    assert.equal(runs().length, 0, 'nothing submitted without a new notification');
    h.recoverer.accept([firing]);
    await h.recoverer.idle();
    assert.equal(runs().length, 1);
  });

  it('an alert retried while Flink is away leaves an exhausted episode its watch (a timer per purpose)', async () => {
    sim.setRunBehaviour({ outcome: 'failed' });
    const h = await make({ maxAttempts: 1 });
    h.recoverer.accept([firing]);
    await run(h, 3_000, 100);
    assert.equal(h.recoverer.episodes()[0]?.status, 'exhausted');
    sim.injectFault('*', { reset: true });
    h.recoverer.accept([firing]);
    await h.recoverer.idle();
    // Past verifyTimeout: the alert's retries have stopped.
    await run(h, 8_000, 100);
    sim.clearFaults();
    sim.addJob({ jobId: 'c'.repeat(32), name: 'orders' });
    await run(h, 3_000, 100);
    assert.equal(h.recoverer.episodes()[0]?.clearReason, 'ran_again');
    assert.equal(await metric(h, 'flink_recovery_exhausted', { job_name: 'orders' }), 0);
  });

  it('alerts about jobs outside the catalog add a bounded number of series, whatever names they invent', async () => {
    const h = await make();
    const seriesCount = async () => (await h.registry.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0);
    const before = await seriesCount();
    const junk = (i: number): IncomingAlert => ({
      status: i % 2 === 0 ? 'firing' : 'resolved',
      labels: {
        alertname: `Junk${i}`,
        cluster: i % 3 === 0 ? 'prod' : `c${i}`,
        job_name: `${'x'.repeat(i % 7 === 0 ? 900_000 : 10)}${i}`,
        flink_recovery: i % 5 === 0 ? 'manual' : 'auto',
      },
    });
    for (let i = 0; i < 10_000; i += 100) h.recoverer.accept(Array.from({ length: 100 }, (_, k) => junk(i + k)));
    await h.recoverer.idle();
    const added = (await seriesCount()) - before;
    assert.ok(added > 0 && added <= 8, `${added} series added`);
    assert.ok(!(await h.registry.metrics()).includes('xxxxxxxxxx'), 'an invented job name reached a series');
    assert.equal(runs().length, 0);
  });

  it('a pause holds recovery durably, across a restart, until resumed; an open episode waits in it', async () => {
    sim.setRunBehaviour({ outcome: 'failed' });
    const h1 = await make({ maxAttempts: 3 });
    h1.recoverer.accept([firing]);
    await run(h1, 200, 100);
    assert.equal(runs().length, 1); // attempt 1 made, and failed: the episode waits for its cooldown
    assert.deepEqual(await h1.recoverer.pause('prod', 'orders'), {
      kind: 'paused',
      pause: { cluster: 'prod', jobName: 'orders', since: clock.now() },
    });
    assert.deepEqual(await h1.recoverer.pause('prod', 'nope'), { kind: 'unknown_job' });
    await run(h1, 5_000, 500);
    assert.equal(runs().length, 1, 'a paused episode submitted');
    await h1.recoverer.stop();
    harnesses.splice(0);
    const h2 = await make({ maxAttempts: 3 });
    assert.equal(await metric(h2, 'flink_recovery_paused', { job_name: 'orders' }), 1);
    assert.equal(h2.recoverer.paused().length, 1);
    h2.recoverer.accept([firing]);
    await run(h2, 3_000, 500);
    assert.equal(runs().length, 1, 'a paused job was resubmitted after a restart');
    assert.ok(((await metric(h2, 'flink_recovery_skipped_total', { reason: 'paused' })) ?? 0) >= 1);
    assert.deepEqual(await h2.recoverer.resume('prod', 'orders'), { kind: 'resumed' });
    assert.deepEqual(await h2.recoverer.resume('prod', 'orders'), { kind: 'not_paused' });
    assert.equal(await metric(h2, 'flink_recovery_paused', { job_name: 'orders' }), 0);
    await run(h2, 1_000, 100);
    assert.equal(runs().length, 2, 'resume lets the episode go on');
  });

  it('refuses alerts once stopped (the webhook answers 503)', async () => {
    const h = await make();
    await h.recoverer.stop();
    assert.deepEqual(h.recoverer.accept([firing]), { ok: false, reason: 'not_running' });
  });
});
