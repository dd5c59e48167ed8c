/**
 * Two replicas that never talk to each other, each with its own stateDir, one Flink: a table over who hears of
 * the failure first, how late, and how the attempts go. Flink's refusal of a duplicate JobID is the only arbiter.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ManualClock } from '../../support/clock.js';
import { isActive } from '../../../src/flink/job-state.js';
import { createLogger, silentLogger } from '../../../src/log.js';
import type { IncomingAlert } from '../../../src/recovery/decide/screen.js';
import { parseAttemptId, rootOf } from '../../../src/recovery/model/job-id.js';
import { Recoverer } from '../../../src/recovery/recoverer.js';
import { ManualTimers } from '../../support/timers.js';
import type { JobMemory } from '../../../src/state/job-memory.js';
import { createSimulatedCluster } from '../../support/flink-sim/cluster.js';
import { InProcessFlink } from '../../support/flink-sim/in-process.js';
import { clusterConfig, FAILED_ID, recoveryConfig } from './fixtures.js';

const firing: IncomingAlert = {
  status: 'firing',
  labels: { alertname: 'FlinkJobFailed', cluster: 'prod', job_name: 'orders', flink_recovery: 'auto' },
  fingerprint: 'abc',
};
const noMemory: JobMemory = { get: () => undefined, record: async () => {} };
const MAX_ATTEMPTS = 3;
const COOLDOWN = 1_000;
const RESET_AFTER = 4_000;

interface Row {
  readonly name: string;
  /** When each replica hears of the failure first (ms after it), and how often Alertmanager repeats. */
  readonly aAt: number;
  readonly bAt: number;
  readonly repeat: number;
  /** How long attempt n stays RUNNING before it fails (Infinity: it stays). */
  readonly runFor: readonly number[];
  readonly expected: 'recovered' | 'exhausted';
}

const rows: Row[] = [
  {
    name: 'both at once, every attempt fails',
    aAt: 0,
    bAt: 0,
    repeat: 700,
    runFor: [300, 300, 300],
    expected: 'exhausted',
  },
  { name: 'B 10 ms late', aAt: 0, bAt: 10, repeat: 900, runFor: [300, 300, 300], expected: 'exhausted' },
  // B first hears while attempt 1 is dead and A's cooldown nearly over: B sees attempt 1 first, A the root.
  {
    name: 'B just before A’s cooldown ends',
    aAt: 0,
    bAt: 1_250,
    repeat: 5_000,
    runFor: [200, 200, 200],
    expected: 'exhausted',
  },
  { name: 'B first, A late', aAt: 1_400, bAt: 0, repeat: 5_000, runFor: [100, 100, 100], expected: 'exhausted' },
  {
    name: 'B fresh after attempt 2 failed',
    aAt: 0,
    bAt: 2_600,
    repeat: 6_000,
    runFor: [100, 100, 100],
    expected: 'exhausted',
  },
  {
    name: 'second attempt holds, both at once',
    aAt: 0,
    bAt: 0,
    repeat: 800,
    runFor: [300, Infinity],
    expected: 'recovered',
  },
  {
    name: 'second attempt holds, B late',
    aAt: 0,
    bAt: 1_150,
    repeat: 5_000,
    runFor: [200, Infinity],
    expected: 'recovered',
  },
  { name: 'first attempt holds, both at once', aAt: 0, bAt: 0, repeat: 800, runFor: [Infinity], expected: 'recovered' },
  {
    name: 'slow failures between attempts',
    aAt: 30,
    bAt: 0,
    repeat: 650,
    runFor: [900, 1_700, 900],
    expected: 'exhausted',
  },
];

async function replica(
  dir: string,
  clock: ManualClock,
  timers: ManualTimers,
  flink: InProcessFlink,
): Promise<Recoverer> {
  const config = clusterConfig(
    dir,
    recoveryConfig({
      maxAttempts: MAX_ATTEMPTS,
      cooldown: COOLDOWN,
      verifyTimeout: 2_000,
      resetAfter: RESET_AFTER,
      onNoCheckpoint: 'fresh',
    }),
    [{ cluster: 'prod', name: 'orders', jar: '/jars/orders.jar', args: [] }],
  );
  const r = await Recoverer.create({
    config,
    clients: new Map([['prod', flink]]),
    memory: noMemory,
    clock,
    logger: process.env.RACE_LOG ? createLogger('debug') : silentLogger(),
    registry: new Registry(),
    timers,
  });
  await r.start();
  return r;
}

describe('two replicas, one Flink: the race as a table', () => {
  for (const row of rows) {
    it(row.name, async () => {
      const dirs = [await mkdtemp(join(tmpdir(), 'race-a-')), await mkdtemp(join(tmpdir(), 'race-b-'))];
      const clock = new ManualClock();
      const t0 = clock.now();
      const timers = new ManualTimers(clock);
      const sim = createSimulatedCluster({ version: '2.1.0', now: () => clock.now(), checkpointDir: 'file:/ckpt' });
      sim.addJar('orders.jar');
      sim.addJob({ jobId: FAILED_ID, name: 'orders' });
      sim.completeCheckpoint(FAILED_ID);
      sim.fail(FAILED_ID);
      const a = await replica(dirs[0] as string, clock, timers, new InProcessFlink(sim));
      const b = await replica(dirs[1] as string, clock, timers, new InProcessFlink(sim));
      const heard = [row.aAt, row.bAt];
      try {
        for (let t = 0; t <= 20_000; t += 10) {
          // Flink: an attempt instance fails once it ran for its scripted time.
          for (const j of sim.jobs()) {
            const n = parseAttemptId(j.jobId)?.n;
            if (n === undefined || j.state !== 'RUNNING') continue;
            if (clock.now() - j.startTime >= (row.runFor[n - 1] ?? 0)) sim.fail(j.jobId);
          }
          // Alertmanager: while the newest instance is FAILED, each replica hears of it on its own schedule.
          const current = sim.jobs().sort((x, y) => y.startTime - x.startTime)[0];
          [a, b].forEach((r, i) => {
            const first = heard[i] as number;
            if (current?.state === 'FAILED' && t >= first && (t - first) % row.repeat === 0) r.accept([firing]);
          });
          timers.advance(10);
          await Promise.all([a.idle(), b.idle()]);
          const live = sim.jobs().filter((j) => isActive(j.state));
          assert.ok(live.length <= 1, `two live instances at ${t} ms: ${live.map((j) => j.jobId).join(', ')}`);
        }
        const accepted = sim.jobs().filter((j) => j.jobId !== FAILED_ID);
        const byAttempt = new Map<number, number>();
        for (const j of accepted) {
          const id = parseAttemptId(j.jobId);
          assert.ok(id !== undefined && id.root === rootOf(FAILED_ID), `a submission outside the episode: ${j.jobId}`);
          byAttempt.set(id.n, (byAttempt.get(id.n) ?? 0) + 1);
        }
        for (const [n, count] of byAttempt) assert.equal(count, 1, `attempt ${n} accepted ${count} times`);
        assert.ok(accepted.length <= MAX_ATTEMPTS, `${accepted.length} attempts`);
        const outcomes = [a, b].map((r) => r.episodes()[0]?.outcome);
        const trace = sim
          .jobs()
          .map((j) => `${j.jobId.slice(24)} ${j.state} ${j.startTime - t0}-${(j.endTime ?? t0) - t0}`);
        assert.deepEqual(
          outcomes,
          [row.expected, row.expected],
          `${trace.join(', ')} ${JSON.stringify(b.episodes()[0])}`,
        );
        if (row.expected === 'exhausted') assert.equal(accepted.length, MAX_ATTEMPTS);
        else assert.equal(accepted.length, row.runFor.length);
      } finally {
        await a.stop();
        await b.stop();
        for (const d of dirs) await rm(d, { recursive: true, force: true });
      }
    });
  }
});
