/** The simulator refuses a duplicate JobID exactly as long as Flink's JobResultStore would. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFlinkSimulator } from '../support/flink-sim/simulator.js';

async function run(url: string, jarId: string, jobId: string): Promise<number> {
  const res = await fetch(`${url}/jars/${jarId}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jobId, entryClass: 'com.example.Orders' }),
  });
  await res.text();
  return res.status;
}

describe('simulator: duplicate JobIDs and the JobResultStore', () => {
  for (const version of ['1.20.1', '2.1.0']) {
    it(`without HA (${version}): refused while the JobManager lives, also once /jobs/overview forgot it`, async () => {
      const sim = await startFlinkSimulator({ version, jobNames: { 'com.example.Orders': 'orders' } });
      try {
        const jar = sim.addJar('orders.jar');
        const id = 'a'.repeat(32);
        assert.equal(await run(sim.url, jar, id), 200);
        assert.equal(await run(sim.url, jar, id), 400, 'a running job refuses its JobID');
        sim.fail(id);
        assert.equal(await run(sim.url, jar, id), 400, 'an ended job refuses its JobID');
        sim.remove(id); // jobstore.expiration-time passed
        assert.equal(await run(sim.url, jar, id), 400, 'the JobResultStore still holds it');
        sim.restartJobManager();
        assert.equal(await run(sim.url, jar, id), 200, 'a restarted JobManager starts empty');
      } finally {
        await sim.close();
      }
    });
  }
  it('with an HA JobResultStore (delete-on-commit): accepted again once the job ended', async () => {
    const sim = await startFlinkSimulator({ jobResultStore: 'ha', jobNames: { 'com.example.Orders': 'orders' } });
    try {
      const jar = sim.addJar('orders.jar');
      const id = 'b'.repeat(32);
      assert.equal(await run(sim.url, jar, id), 200);
      assert.equal(await run(sim.url, jar, id), 400);
      sim.fail(id);
      assert.equal(await run(sim.url, jar, id), 200);
    } finally {
      await sim.close();
    }
  });
});
