import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ManualClock } from '../../support/clock.js';
import type { Config } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/log.js';
import { pollInterval, wakeGrid } from '../../../src/recovery/model/timing.js';
import { Recoverer } from '../../../src/recovery/recoverer.js';
import { ManualTimers } from '../../support/timers.js';
import type { JobMemory } from '../../../src/state/job-memory.js';
import { createSimulatedCluster } from '../../support/flink-sim/cluster.js';
import { InProcessFlink } from '../../support/flink-sim/in-process.js';
import { clusterConfig, recoveryConfig } from './fixtures.js';

const JOBS = 30;
const names = Array.from({ length: JOBS }, (_, i) => `job-${String(i).padStart(2, '0')}`);

const noMemory: JobMemory = { get: () => undefined, record: async () => undefined };

function config(stateDir: string): Config {
  const recovery = recoveryConfig({ cooldown: 1_000, verifyTimeout: 5_000, resetAfter: 10_000 });
  return clusterConfig(
    stateDir,
    recovery,
    names.map((name) => ({ cluster: 'prod', name, jar: '/jars/p.jar', args: [] })),
  );
}

describe('Recoverer wake grid (manual time)', () => {
  let dir: string;
  let recoverer: Recoverer | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wake-grid-'));
  });
  afterEach(async () => {
    await recoverer?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('episodes that opened at different moments share their cluster reads while they wait', async () => {
    const clock = new ManualClock();
    const timers = new ManualTimers(clock);
    // Every request to the in-process cluster takes a turn of the event loop, like a request on the wire.
    const sim = createSimulatedCluster({ version: '2.1.0', now: () => clock.now() });
    for (const [i, name] of names.entries()) sim.addJob({ jobId: String(i).padStart(32, 'a'), name, state: 'FAILED' });
    const cfg = config(dir);
    const r = await Recoverer.create({
      config: cfg,
      clients: new Map([['prod', new InProcessFlink(sim)]]),
      memory: noMemory,
      clock,
      logger: silentLogger(),
      registry: new Registry(),
      timers,
    });
    recoverer = r;
    await r.start();
    // One alert every 7 ms: 30 episodes at 30 different phases of the poll interval.
    for (const name of names) {
      r.accept([
        {
          status: 'firing',
          labels: { alertname: 'FlinkJobFailed', cluster: 'prod', job_name: name, flink_recovery: 'auto' },
          fingerprint: name,
        },
      ]);
      await r.idle();
      timers.advance(7);
      await r.idle();
    }
    assert.equal(sim.runRequests().length, JOBS, 'every job was resubmitted');
    assert.ok(r.episodes().every((e) => e.status === 'open'));

    const poll = pollInterval(cfg.recovery);
    const before = sim.requestCount('GET /jobs/overview');
    const windowMs = 20 * poll;
    for (let t = 0; t < windowMs; t += 5) {
      timers.advance(5);
      await r.idle();
    }
    const reads = sim.requestCount('GET /jobs/overview') - before;
    // Every episode looked at Flink once per poll (30 × 20 ticks), yet the reads are bounded by the grid's slots.
    const slots = Math.ceil(windowMs / wakeGrid(cfg.recovery)) + 1;
    assert.ok(reads <= slots, `${reads} reads of /jobs/overview in ${windowMs} ms, at most ${slots} slots`);
    assert.ok(reads >= windowMs / poll, `${reads} reads: the episodes still poll`);
    assert.ok(
      r.episodes().every((e) => e.status === 'open'),
      'still verifying (resetAfter not reached)',
    );
  });
});
