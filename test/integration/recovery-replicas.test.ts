import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isActive } from '../../src/flink/job-state.js';
import { parseAttemptId, rootOf } from '../../src/recovery/model/job-id.js';
import {
  closeEnv,
  episodeOf,
  notify,
  startEnv,
  startService,
  stopService,
  testConfig,
  type Env,
} from './recovery-harness.js';
import { payload } from '../support/alertmanager.js';
import { MapMemory } from '../support/job-memory.js';

const TRIALS = 12;
const MAX_ATTEMPTS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A second service on the first one's simulator, with its own stateDir and memory. */
async function secondReplica(a: Env): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), 'guardian-replica-b-'));
  const recovery = { maxAttempts: MAX_ATTEMPTS, cooldown: '150ms', verifyTimeout: '1s', resetAfter: '300ms' };
  const b = {
    sim: a.sim,
    dir,
    jarPath: a.jarPath,
    memory: new MapMemory(),
    config: testConfig(a.sim.url, dir, a.jarPath, recovery),
  } as Env;
  await startService(b);
  return b;
}

describe('two replicas, one simulated Flink, notifications to both with jitter', () => {
  for (let trial = 0; trial < TRIALS; trial += 1) {
    // B hears first, at once, or up to ~0.4 s after A: across and around A's attempts and cooldowns.
    const bDelay = [-40, 0, 0, 5, 15, 40, 80, 130, 170, 220, 300, 420][trial] ?? 0;
    it(`trial ${trial + 1}: B ${bDelay} ms after A`, async () => {
      const a = await startEnv({
        recovery: { maxAttempts: MAX_ATTEMPTS, cooldown: '150ms', verifyTimeout: '1s', resetAfter: '300ms' },
      });
      const b = await secondReplica(a);
      let twoLive = '';
      let watching = true;
      try {
        // Every resubmission comes up and fails 60 ms later, so the episode exhausts its attempts.
        a.sim.setRunBehaviour({ outcome: 'failed', startDelayMs: 60 });
        const failed = a.sim.addJob({ name: 'orders', startTime: Date.now() - 60_000 });
        a.sim.completeCheckpoint(failed);
        a.sim.fail(failed);
        const watch = (async () => {
          while (watching) {
            const live = a.sim.jobsNamed('orders').filter((j) => isActive(j.state));
            if (live.length > 1) twoLive = live.map((j) => j.jobId).join(', ');
            await sleep(3);
          }
        })();
        const deliver = async (env: Env, first: number) => {
          await sleep(Math.max(0, first));
          for (let i = 0; i < 60 && episodeOf(env)?.status !== 'exhausted'; i += 1) {
            // Alertmanager sends while the newest instance is FAILED; jitter between notifications.
            const newest = [...a.sim.jobsNamed('orders')].sort((x, y) => y.startTime - x.startTime)[0];
            if (newest?.state === 'FAILED') await notify(env, payload());
            await sleep(40 + Math.floor(Math.random() * 60));
          }
        };
        await Promise.all([deliver(a, Math.max(0, -bDelay)), deliver(b, Math.max(0, bDelay))]);
        await sleep(200);
        watching = false;
        await watch;
        assert.equal(twoLive, '', 'two live instances at once');
        const accepted = a.sim.runRequests().filter((r) => r.status === 200);
        const perAttempt = new Map<number, number>();
        for (const r of accepted) {
          const id = parseAttemptId(r.jobId ?? '');
          assert.ok(id !== undefined && id.root === rootOf(failed), `an accepted run outside the episode: ${r.jobId}`);
          perAttempt.set(id.n, (perAttempt.get(id.n) ?? 0) + 1);
        }
        for (const [n, count] of perAttempt) assert.equal(count, 1, `attempt ${n} accepted ${count} times`);
        assert.equal(accepted.length, MAX_ATTEMPTS);
        assert.deepEqual(
          [episodeOf(a)?.outcome, episodeOf(b)?.outcome],
          ['exhausted', 'exhausted'],
          'both replicas end the episode alike',
        );
      } finally {
        watching = false;
        await stopService(b);
        await rm(b.dir, { recursive: true, force: true });
        await closeEnv(a);
      }
    });
  }
});
