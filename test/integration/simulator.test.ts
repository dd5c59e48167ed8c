import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../support/clock.js';
import { startFlinkSimulator } from '../support/flink-sim/simulator.js';

async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; json: { errors?: string[]; jobid?: string } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { errors?: string[]; jobid?: string } };
}

describe('Flink simulator', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('validates run requests like Flink 2.x and starts jobs after the delay', async () => {
    const clock = new ManualClock();
    const sim = await startFlinkSimulator({
      version: '2.2.0',
      now: () => clock.now(),
      startDelayMs: 5000,
      jobNames: { 'com.example.Orders': 'orders' },
    });
    closers.push(() => sim.close());
    const jar = sim.addJar('orders.jar');
    const run = `${sim.url}/jars/${jar}/run`;
    assert.equal((await post(run, { programArgs: '--a b' })).status, 400);
    assert.equal((await post(run, { jobId: 'not-hex' })).status, 400);
    const jobId = 'ab'.repeat(16);
    const ok = await post(run, {
      entryClass: 'com.example.Orders',
      jobId,
      programArgsList: ['--a'],
      claimMode: 'NO_CLAIM',
    });
    assert.deepEqual(ok, { status: 200, json: { jobid: jobId } });
    assert.equal(sim.job(jobId)?.state, 'INITIALIZING');
    assert.equal(sim.job(jobId)?.name, 'orders');
    clock.advance(5000);
    assert.equal(sim.jobsNamed('orders')[0]?.state, 'RUNNING');
    const dup = await post(run, { jobId });
    assert.equal(dup.status, 400);
    assert.ok(dup.json.errors?.[0]?.includes('DuplicateJobSubmissionException'));
  });

  it('accepts programArgs on 1.20, refuses deleted restore paths, applies retention', async () => {
    const sim = await startFlinkSimulator({ version: '1.20.1' });
    closers.push(() => sim.close());
    const jar = sim.addJar('orders.jar', { jobName: 'orders' });
    const run = `${sim.url}/jars/${jar}/run`;
    assert.equal((await post(run, { programArgs: '--a b', restoreMode: 'CLAIM' })).status, 200);
    const id = sim.addJob({ name: 'payments', checkpointing: { retention: 'NO_EXTERNALIZED_CHECKPOINTS' } });
    const path = sim.completeCheckpoint(id);
    sim.fail(id);
    const refused = await post(run, { savepointPath: `${path}/_metadata` });
    assert.equal(refused.status, 400);
    assert.ok(refused.json.errors?.[0]?.includes('Cannot find checkpoint or savepoint'));
    sim.setRunBehaviour({ outcome: 'failed' });
    const started = await post(run, { savepointPath: 'file:/elsewhere/chk-3' });
    assert.equal(started.status, 200);
    assert.equal(sim.job(started.json.jobid ?? '')?.state, 'FAILED');
    assert.equal(sim.job(started.json.jobid ?? '')?.restoredFrom, 'file:/elsewhere/chk-3');
  });

  it('serves 10,000 jobs quickly', async () => {
    const sim = await startFlinkSimulator({ version: '2.1.0' });
    closers.push(() => sim.close());
    for (let i = 0; i < 10_000; i += 1) sim.addJob({ name: `job-${i}` });
    const started = performance.now();
    const res = await fetch(`${sim.url}/jobs/overview`);
    const body = (await res.json()) as { jobs: unknown[] };
    assert.equal(body.jobs.length, 10_000);
    assert.ok(performance.now() - started < 2000);
  });
});
