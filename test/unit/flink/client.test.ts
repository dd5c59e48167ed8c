import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { clusterSchema, type ClusterConfig } from '../../../src/config/schema.js';
import { FlinkError } from '../../../src/errors.js';
import { createFlinkClient } from '../../../src/flink/client.js';
import type { RunJarRequest } from '../../../src/flink/types.js';
import { startFlinkSimulator } from '../../support/flink-sim/simulator.js';

function cluster(url: string, extra: Record<string, unknown> = {}): ClusterConfig {
  return clusterSchema.parse({ name: 'prod', url, retries: 2, ...extra });
}

const fast = { retryBaseMs: 1, retryCapMs: 5 };

/** A server answering every request with `status` and `body`, counting requests. */
async function fixedServer(
  status: number,
  body: string,
): Promise<{ url: string; count: () => number; server: Server }> {
  let n = 0;
  const server = createServer((_req, res) => {
    n += 1;
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => n, server };
}

const run: RunJarRequest = {
  args: ['--env', 'prod'],
  jobId: 'ab'.repeat(16),
  allowNonRestoredState: false,
  claimMode: 'NO_CLAIM',
  entryClass: 'com.example.Orders',
};

describe('Flink REST client', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('throws FLINK_BAD_RESPONSE naming the endpoint for a body that does not parse', async () => {
    const srv = await fixedServer(200, '{"jobs":"nope"}');
    closers.push(async () => void srv.server.close());
    const client = createFlinkClient(cluster(srv.url), fast);
    await assert.rejects(client.jobsOverview(), (err: unknown) => {
      assert.ok(err instanceof FlinkError);
      assert.equal(err.code, 'FLINK_BAD_RESPONSE');
      assert.equal(err.endpoint, 'GET /jobs/overview');
      assert.match(err.message, /jobs/);
      return true;
    });
    await client.close();
  });

  it('hands back unchanged instances of /jobs/overview and validates every new or changed entry', async () => {
    const entry = (jid: string, state: unknown, start: unknown = 1000) => ({
      jid,
      name: `job-${jid}`,
      state,
      'start-time': start,
      'end-time': -1,
      'last-modification': 1000,
      tasks: { total: 1 },
    });
    let jobs: unknown[] = [entry('a', 'RUNNING'), entry('b', 'RUNNING')];
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jobs }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(async () => void server.close());
    const client = createFlinkClient(cluster(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), fast);
    const first = await client.jobsOverview();
    jobs = [entry('a', 'RUNNING'), entry('b', 'FAILING')];
    const second = await client.jobsOverview();
    assert.equal(second[0], first[0], 'an unchanged entry is the same object');
    assert.notEqual(second[1], first[1]);
    assert.equal(second[1]?.state, 'FAILING');
    assert.equal(await client.jobsOverview(), second, 'an unchanged body gives back the last list itself');
    jobs = [entry('b', 'FAILING'), entry('a', 'RUNNING')];
    const swapped = await client.jobsOverview();
    assert.deepEqual(
      swapped.map((job) => job.jobId),
      ['b', 'a'],
    );
    assert.equal(swapped[0], second[1]);
    assert.equal(swapped[1], second[0]);
    jobs = [entry('b', 'FAILING')];
    const fewer = await client.jobsOverview();
    assert.deepEqual(
      fewer.map((job) => job.jobId),
      ['b'],
    );
    assert.equal(fewer[0], second[1]);
    jobs = [entry('a', 'RUNNING'), entry('b', 'FAILING')];
    const rejects = async (pattern: RegExp): Promise<void> =>
      assert.rejects(client.jobsOverview(), (err: unknown) => {
        assert.ok(err instanceof FlinkError);
        assert.equal(err.code, 'FLINK_BAD_RESPONSE');
        assert.match(err.message, pattern);
        return true;
      });
    // A known JobID whose entry turned invalid is validated, not reused.
    jobs = [entry('a', 'RUNNING', 'soon'), entry('b', 'FAILING')];
    await rejects(/jobs\[0\]\.start-time/);
    jobs = [entry('a', 'RUNNING'), entry('b', 'EXPLODED')];
    await rejects(/jobs\[1\]\.state/);
    await client.close();
  });

  it("stops every request in flight on the caller's signal at once", async () => {
    const sim = await startFlinkSimulator({ latencyMs: 60_000 });
    closers.push(() => sim.close());
    const client = createFlinkClient(cluster(sim.url, { requestTimeout: '1m', retries: 0 }), fast);
    const caller = new AbortController();
    const pending = Array.from({ length: 5 }, () => client.overview(caller.signal));
    await new Promise((resolve) => setTimeout(resolve, 50));
    caller.abort();
    const outcomes = await Promise.allSettled(pending);
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(outcome.reason instanceof FlinkError && outcome.reason.code === 'FLINK_TIMEOUT', String(outcome));
    }
    // A request given the signal once it aborted never goes out.
    await assert.rejects(client.overview(caller.signal), FlinkError);
    await client.close();
  });

  it('retries GETs on 503, then reports the status', async () => {
    const srv = await fixedServer(503, '{"errors":["Service temporarily unavailable"]}');
    closers.push(async () => void srv.server.close());
    const client = createFlinkClient(cluster(srv.url, { retries: 2 }), fast);
    await assert.rejects(
      client.overview(),
      (err: unknown) => err instanceof FlinkError && err.code === 'FLINK_HTTP_STATUS' && err.status === 503,
    );
    assert.equal(srv.count(), 3);
    await client.close();
  });

  it('never retries a POST', async () => {
    const sim = await startFlinkSimulator({ version: '1.20.1' });
    closers.push(() => sim.close());
    const jar = sim.addJar('orders.jar');
    const client = createFlinkClient(cluster(sim.url), fast);
    await client.overview();
    sim.injectFault('POST /jars/:jarid/run', { reset: true });
    await assert.rejects(
      client.runJar(jar, run),
      (err: unknown) => err instanceof FlinkError && err.code === 'FLINK_UNREACHABLE',
    );
    assert.equal(sim.requestCount('POST /jars/:jarid/run'), 1);
    sim.clearFaults();
    sim.injectFault('GET /overview', { reset: true, times: 2 });
    const overview = await client.overview();
    assert.equal(overview.flinkVersion, '1.20.1');
    assert.equal(sim.requestCount('GET /overview'), 4);
    await client.close();
  });

  it('sends a bearer token', async () => {
    const sim = await startFlinkSimulator({ auth: { bearerToken: 's3cret' } });
    closers.push(() => sim.close());
    const client = createFlinkClient(cluster(sim.url, { bearerToken: 's3cret' }), fast);
    await client.overview();
    assert.equal(sim.lastHeaders()?.authorization, 'Bearer s3cret');
    const wrong = createFlinkClient(cluster(sim.url, { bearerToken: 'other' }), fast);
    await assert.rejects(wrong.overview(), (err: unknown) => err instanceof FlinkError && err.status === 401);
    await Promise.all([client.close(), wrong.close()]);
  });

  it('sends basic auth', async () => {
    const sim = await startFlinkSimulator({ auth: { basic: { username: 'flink', password: 'pw' } } });
    closers.push(() => sim.close());
    const client = createFlinkClient(cluster(sim.url, { basicAuth: { username: 'flink', password: 'pw' } }), fast);
    await client.overview();
    assert.equal(sim.lastHeaders()?.authorization, `Basic ${Buffer.from('flink:pw').toString('base64')}`);
    await client.close();
  });

  it('times out a request that takes longer than requestTimeout', async () => {
    const sim = await startFlinkSimulator({ latencyMs: 1000 });
    closers.push(() => sim.close());
    const client = createFlinkClient(cluster(sim.url, { requestTimeout: '100ms', retries: 0 }), fast);
    const started = Date.now();
    await assert.rejects(
      client.overview(),
      (err: unknown) => err instanceof FlinkError && err.code === 'FLINK_TIMEOUT',
    );
    assert.ok(Date.now() - started < 800);
    await client.close();
  });

  it('cuts a body that drips slower than the whole request may take', async () => {
    const timers: NodeJS.Timeout[] = [];
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"taskmanagers":1,');
      // One byte every 50 ms: never idle for long, never done.
      timers.push(setInterval(() => res.write(' '), 50));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      server.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = createFlinkClient(cluster(url, { requestTimeout: '300ms', retries: 1 }), fast);
    const started = Date.now();
    await assert.rejects(client.overview(), (err: unknown) => {
      assert.ok(err instanceof FlinkError && err.code === 'FLINK_TIMEOUT', String(err));
      assert.match(err.message, /no complete answer within 300 ms/);
      return true;
    });
    // Two attempts of 300 ms each; an idle timer would have waited forever.
    assert.ok(Date.now() - started < 3000);
    await client.close();
  });

  for (const declared of [true, false]) {
    it(`refuses a body larger than maxResponseBytes (${declared ? 'declared' : 'chunked'})`, async () => {
      let served = 0;
      const server = createServer((_req, res) => {
        res.writeHead(200, declared ? { 'content-length': String(200 * 1024) } : {});
        const piece = Buffer.alloc(8 * 1024, 0x5b);
        const write = (): void => {
          while (served < 200 * 1024) {
            served += piece.length;
            if (!res.write(piece)) return void res.once('drain', write);
          }
          res.end();
        };
        write();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(async () => {
        server.closeAllConnections();
        server.close();
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const client = createFlinkClient(cluster(url, { maxResponseBytes: 64 * 1024 }), fast);
      await assert.rejects(client.jobsOverview(), (err: unknown) => {
        assert.ok(err instanceof FlinkError && err.code === 'FLINK_BAD_RESPONSE', String(err));
        assert.match(err.message, /GET \/jobs\/overview: body larger than 65536 bytes/);
        return true;
      });
      await client.close();
    });
  }

  it('uses credentials in the URL as basic auth and keeps them out of the URL', async () => {
    const sim = await startFlinkSimulator({ auth: { basic: { username: 'flink', password: 'p@ss' } } });
    closers.push(() => sim.close());
    const config = cluster(sim.url.replace('http://', 'http://flink:p%40ss@'));
    assert.doesNotMatch(config.url, /flink|p%40ss/);
    const client = createFlinkClient(config, fast);
    await client.overview();
    assert.equal(sim.lastHeaders()?.authorization, `Basic ${Buffer.from('flink:p@ss').toString('base64')}`);
    await client.close();
  });

  it('close() ends a request in flight at once', async () => {
    const sim = await startFlinkSimulator({ latencyMs: 60_000 });
    closers.push(() => sim.close());
    const client = createFlinkClient(cluster(sim.url, { requestTimeout: '1m', retries: 2 }), fast);
    const pending = client.overview();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await client.close();
    await assert.rejects(pending, (err: unknown) => err instanceof FlinkError);
    assert.ok(Date.now() - started < 5000);
  });

  it('honours the path prefix of a cluster URL behind a proxy', async () => {
    const srv = await fixedServer(
      200,
      '{"taskmanagers":1,"slots-total":1,"slots-available":1,"flink-version":"1.20.0"}',
    );
    closers.push(async () => void srv.server.close());
    const client = createFlinkClient(cluster(`${srv.url}/flink/`), fast);
    assert.equal((await client.overview()).taskManagers, 1);
    await client.close();
  });

  for (const version of ['1.20.1', '2.1.0']) {
    it(`reports checkpointing disabled and maps statistics (Flink ${version})`, async () => {
      const sim = await startFlinkSimulator({ version });
      closers.push(() => sim.close());
      const client = createFlinkClient(cluster(sim.url), fast);
      const off = sim.addJob({ name: 'off', checkpointing: false });
      assert.deepEqual(await client.checkpoints(off), { kind: 'disabled' });
      assert.equal(await client.checkpointConfig(off), undefined);
      const on = sim.addJob({ name: 'on', restarts: 2 });
      const path = sim.completeCheckpoint(on, { sizeBytes: 2048 });
      sim.failCheckpoint(on);
      const stats = await client.checkpoints(on);
      assert.ok(stats.kind === 'enabled');
      assert.equal(stats.stats.latestCompleted?.externalPath, path);
      assert.equal(stats.stats.failed, 1);
      assert.deepEqual(await client.checkpointConfig(on), { externalized: true, deleteOnCancellation: false });
      assert.deepEqual(await client.jobMetrics(on), {
        restarts: 2,
        checkpoints: { completed: 1, failed: 1, inProgress: 0 },
      });
      await assert.rejects(
        client.checkpoints('0'.repeat(32)),
        (err: unknown) => err instanceof FlinkError && err.status === 404,
      );
      await client.close();
    });

    it(`uploads a jar and runs it in the ${version} dialect`, async () => {
      const sim = await startFlinkSimulator({ version, jobNames: { 'com.example.Orders': 'orders-enrichment' } });
      closers.push(() => sim.close());
      const client = createFlinkClient(cluster(sim.url), fast);
      const dir = await mkdtemp(join(tmpdir(), 'guardian-jar-'));
      const file = join(dir, 'orders.jar');
      await writeFile(file, Buffer.alloc(4096, 1));
      const jar = await client.uploadJar(file);
      assert.match(jar.id, /^[0-9a-f-]{36}_orders\.jar$/);
      assert.equal(jar.name, 'orders.jar');
      assert.deepEqual(sim.uploads()[0], { fileName: 'orders.jar', bytes: 4096, jarId: jar.id });
      assert.deepEqual(
        (await client.listJars()).map((j) => j.id),
        [jar.id],
      );

      const result = await client.runJar(jar.id, { ...run, savepointPath: 'file:/flink/checkpoints/x/chk-4' });
      assert.deepEqual(result, { ok: true, jobId: run.jobId });
      const body = sim.runRequests()[0]?.body as Record<string, unknown>;
      assert.deepEqual(body.programArgsList, ['--env', 'prod']);
      assert.equal(body.claimMode, 'NO_CLAIM');
      assert.equal('restoreMode' in body, false);
      assert.equal('programArgs' in body, false);
      assert.equal(sim.job(run.jobId)?.name, 'orders-enrichment');

      const again = await client.runJar(jar.id, run);
      assert.equal(again.ok, false);
      assert.ok(
        !again.ok && again.status === 400 && again.errors.some((e) => e.includes('DuplicateJobSubmissionException')),
      );
      await client.close();
    });
  }

  it('sends restoreMode instead of claimMode to Flink before 1.20', async () => {
    const sim = await startFlinkSimulator({ version: '1.18.1' });
    closers.push(() => sim.close());
    const client = createFlinkClient(cluster(sim.url), fast);
    const jar = sim.addJar('orders.jar');
    await client.runJar(jar, run);
    const body = sim.runRequests()[0]?.body as Record<string, unknown>;
    assert.equal(body.restoreMode, 'NO_CLAIM');
    assert.equal('claimMode' in body, false);
    assert.equal(sim.requestCount('GET /overview'), 1, 'the version is learned once from /overview');
    await client.runJar(jar, { ...run, jobId: 'cd'.repeat(16) });
    assert.equal(sim.requestCount('GET /overview'), 1);
    await client.close();
  });

  it('reports an unreachable cluster as FLINK_UNREACHABLE', async () => {
    const srv = await fixedServer(200, '{}');
    const url = srv.url;
    await new Promise<void>((resolve) => srv.server.close(() => resolve()));
    const client = createFlinkClient(cluster(url, { retries: 1 }), fast);
    await assert.rejects(
      client.overview(),
      (err: unknown) =>
        err instanceof FlinkError && err.code === 'FLINK_UNREACHABLE' && err.endpoint === 'GET /overview',
    );
    await client.close();
  });
});
