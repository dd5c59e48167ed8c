import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ManualClock } from '../support/clock.js';
import { clusterSchema, jobSchema, exporterSchema } from '../../src/config/schema.js';
import { Exporter, type ExporterDeps } from '../../src/exporter/exporter.js';
import { createFlinkClient } from '../../src/flink/client.js';
import type { FlinkApi } from '../../src/flink/api.js';
import { silentLogger } from '../../src/log.js';
import { FileJobMemory } from '../../src/state/job-memory-file.js';
import { readJobMemory } from '../../src/state/job-memory-on-disk.js';
import { startFlinkSimulator, type FlinkSimulator } from '../support/flink-sim/simulator.js';

async function setup(version: string) {
  const prod = await startFlinkSimulator({ version });
  const staging = await startFlinkSimulator({ version });
  const clients: FlinkApi[] = [
    createFlinkClient(clusterSchema.parse({ name: 'prod', url: prod.url, retries: 0 }), { retryBaseMs: 1 }),
    createFlinkClient(clusterSchema.parse({ name: 'staging', url: staging.url, retries: 0, requestTimeout: '500ms' }), {
      retryBaseMs: 1,
    }),
  ];
  const stateDir = await mkdtemp(join(tmpdir(), 'guardian-exporter-'));
  const memory = await FileJobMemory.open(stateDir);
  const registry = new Registry();
  const catalog = [
    jobSchema.parse({ cluster: 'prod', name: 'orders', jar: '/opt/orders.jar' }),
    jobSchema.parse({ cluster: 'prod', name: 'payments', jar: '/opt/payments.jar' }),
  ];
  const deps: ExporterDeps = {
    clients,
    catalog,
    memory,
    clock: new ManualClock(),
    logger: silentLogger(),
    registry,
    config: exporterSchema.parse({}),
  };
  const exporter = new Exporter(deps);
  const close = async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([prod.close(), staging.close()]);
  };
  return { prod, staging, exporter, deps, registry, stateDir, close };
}

const line = (text: string, re: RegExp) => text.split('\n').find((l) => re.test(l));

function perEndpoint(sim: FlinkSimulator): Record<string, number> {
  return sim.counts();
}

for (const version of ['1.20.1', '2.1.0']) {
  describe(`exporter against the simulator (Flink ${version})`, () => {
    const closers: (() => Promise<void>)[] = [];
    after(async () => {
      for (const close of closers) await close();
    });

    it('caches terminal instances: exact REST calls per scrape', async () => {
      const env = await setup(version);
      closers.push(env.close);
      const { prod, exporter } = env;
      const old = prod.addJob({ name: 'orders', startTime: Date.now() - 60_000 });
      prod.completeCheckpoint(old);
      prod.fail(old);
      const orders = prod.addJob({ name: 'orders' });
      prod.completeCheckpoint(orders);
      prod.addJob({ name: 'batch', state: 'FINISHED' });
      prod.addJob({ name: 'clicks', checkpointing: false });

      const first = await exporter.collect();
      assert.match(first, new RegExp(`flink_job_info\\{cluster="prod",job_name="orders",job_id="${orders}"\\} 1`));
      // Current instances: orders (RUNNING), batch (FINISHED), clicks (RUNNING): three calls each, none for the old
      // one.
      assert.deepEqual(perEndpoint(prod), {
        'GET /overview': 1,
        'GET /jobs/overview': 1,
        'GET /jobs/:jobid/checkpoints': 3,
        'GET /jobs/:jobid/checkpoints/config': 3,
        'GET /jobs/:jobid/metrics': 3,
      });

      prod.resetCounts();
      await exporter.collect();
      // Steady state: one metrics call for orders and for clicks (no checkpoint completed); batch is cached.
      assert.deepEqual(perEndpoint(prod), {
        'GET /overview': 1,
        'GET /jobs/overview': 1,
        'GET /jobs/:jobid/metrics': 2,
      });

      // A checkpoint of orders completes: its count moved, so its statistics are read once, and exposed.
      const path = prod.completeCheckpoint(orders);
      prod.resetCounts();
      const moved = await exporter.collect();
      assert.deepEqual(perEndpoint(prod), {
        'GET /overview': 1,
        'GET /jobs/overview': 1,
        'GET /jobs/:jobid/checkpoints': 1,
        'GET /jobs/:jobid/metrics': 2,
      });
      assert.match(moved, /flink_job_checkpoints_total\{cluster="prod",job_name="orders",result="completed"\} 2/);
      assert.ok(path.length > 0);
    });

    it('writes the text it kept while nothing changes, and follows every change after it', async () => {
      const env = await setup(version);
      closers.push(env.close);
      const { prod, exporter, deps } = env;
      const orders = prod.addJob({ name: 'orders' });
      prod.completeCheckpoint(orders);
      const clicks = prod.addJob({ name: 'clicks', checkpointing: false });
      const temp = prod.addJob({ name: 'temp' });
      // What the text must say: the first scrape of an exporter that kept nothing, on its own registry.
      const fresh = () => new Exporter({ ...deps, registry: new Registry() }).collect();
      const scrapes = async (what: string, n: number): Promise<string> => {
        const expected = await fresh();
        for (let i = 0; i < n; i += 1) assert.equal(await exporter.collect(), expected, `${what}, scrape ${i + 1}`);
        return expected;
      };
      // Rendered, rendered and kept, written from what was kept.
      await scrapes('steady', 3);
      prod.fail(clicks);
      assert.match(
        await scrapes('a job failed', 3),
        /flink_job_state\{cluster="prod",job_name="clicks",state="FAILED"\} 1/,
      );
      prod.completeCheckpoint(orders);
      assert.match(
        await scrapes('a checkpoint completed', 3),
        /flink_job_checkpoints_total\{cluster="prod",job_name="orders",result="completed"\} 2/,
      );
      prod.setRestarts(orders, 3);
      assert.match(await scrapes('a restart', 3), /flink_job_restarts_total\{cluster="prod",job_name="orders"\} 3/);
      prod.cancel(temp);
      prod.remove(temp);
      assert.doesNotMatch(await scrapes('a job vanished', 3), /job_name="temp"/);
    });

    it('series of a job that vanished disappear; a lost catalog job is missing', async () => {
      const env = await setup(version);
      closers.push(env.close);
      const { prod, exporter } = env;
      const payments = prod.addJob({ name: 'payments' });
      const temp = prod.addJob({ name: 'temp' });
      let text = await exporter.collect();
      assert.ok(text.includes('job_name="temp"'));
      assert.equal(
        line(text, /^flink_job_missing\{cluster="prod",job_name="payments"\}/),
        'flink_job_missing{cluster="prod",job_name="payments"} 0',
      );
      prod.cancel(temp);
      prod.remove(temp);
      prod.remove(payments);
      text = await exporter.collect();
      assert.ok(!text.includes('job_name="temp"'), 'no stale series');
      assert.equal(
        line(text, /^flink_job_missing\{cluster="prod",job_name="payments"\}/),
        'flink_job_missing{cluster="prod",job_name="payments"} 1',
      );
      assert.equal(
        line(text, /^flink_job_up\{cluster="prod",job_name="payments"\}/),
        'flink_job_up{cluster="prod",job_name="payments"} 0',
      );
    });

    it('a failing cluster is down while the other one is still served', async () => {
      const env = await setup(version);
      closers.push(env.close);
      const { prod, staging, exporter, registry } = env;
      prod.addJob({ name: 'orders' });
      staging.addJob({ name: 'orders' });
      staging.injectFault('*', { reset: true });
      const text = await exporter.collect();
      assert.equal(line(text, /^flink_cluster_up\{cluster="staging"\}/), 'flink_cluster_up{cluster="staging"} 0');
      assert.equal(line(text, /^flink_cluster_up\{cluster="prod"\}/), 'flink_cluster_up{cluster="prod"} 1');
      assert.ok(text.includes('flink_job_up{cluster="prod",job_name="orders"} 1'));
      assert.ok(!text.includes('cluster="staging",job_name'));
      const own = await registry.metrics();
      assert.match(own, /flink_guardian_scrape_errors_total\{cluster="staging"\} 1/);
      assert.match(own, /flink_guardian_scrape_errors_total\{cluster="prod"\} 0/);
      assert.match(own, /flink_guardian_scrape_duration_seconds\{cluster="prod"\} [0-9.e-]+/);

      staging.clearFaults();
      const healed = await exporter.collect();
      assert.ok(healed.includes('flink_job_up{cluster="staging",job_name="orders"} 1'));
    });

    it('remembers the newest checkpoint path in the job memory, across instances', async () => {
      const env = await setup(version);
      closers.push(env.close);
      const { prod, exporter, stateDir } = env;
      const first = prod.addJob({ name: 'orders', startTime: Date.now() - 10_000 });
      const path = prod.completeCheckpoint(first);
      await exporter.collect();
      const orders = async () => {
        const read = await readJobMemory(stateDir);
        assert.ok(read.kind === 'ok', 'jobs.json and its journal read back');
        return read.clusters.get('prod')?.get('orders');
      };
      assert.equal((await orders())?.checkpointPath, path);

      prod.fail(first);
      const second = prod.addJob({ name: 'orders' });
      await exporter.collect();
      const after = await orders();
      assert.equal(after?.jobId, second);
      assert.equal(after?.lastState, 'RUNNING');
      assert.equal(after?.checkpointPath, path, 'a successor without checkpoints keeps the path');

      const newer = prod.completeCheckpoint(second);
      await exporter.collect();
      assert.equal((await orders())?.checkpointPath, newer);
    });
  });
}
