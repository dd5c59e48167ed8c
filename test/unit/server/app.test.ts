import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { createApp, type ScrapeSource } from '../../../src/server/app.js';
import { startServer, type RunningServer } from '../../../src/server/http-server.js';
import { silentLogger } from '../../../src/log.js';

/** The service's own registry as the app sees it: one counter with one series. */
function ownRegistry(): Registry {
  const registry = new Registry();
  new Counter({ name: 'flink_guardian_scrape_errors_total', help: 'x', labelNames: ['cluster'], registers: [registry] })
    .labels('a')
    .inc(0);
  return registry;
}

describe('HTTP app', () => {
  let server: RunningServer;
  let base: string;
  let ready: boolean | 'throws' = false;
  let scrape: ScrapeSource = {
    collect: async () => '# TYPE flink_cluster_up gauge\nflink_cluster_up{cluster="a"} 1\n',
  };

  before(async () => {
    const registry = ownRegistry();
    const app = createApp({
      scrape: { collect: (header) => scrape.collect(header) },
      ownMetrics: () => registry.metrics(),
      routers: [],
      isReady: async () => {
        if (ready === 'throws') throw new Error('probe broke');
        return ready;
      },
      logger: silentLogger(),
    });
    server = await startServer(app, '127.0.0.1:0');
    base = `http://${server.address}`;
  });
  after(() => server.close());

  it('serves the exporter families and the registry together', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const body = await res.text();
    assert.match(body, /^flink_cluster_up\{cluster="a"\} 1$/m);
    assert.match(body, /^flink_guardian_scrape_errors_total\{cluster="a"\} 0$/m);
  });

  it('answers 500 when the scrape itself breaks, and stays up', async () => {
    const saved = scrape;
    scrape = { collect: () => Promise.reject(new Error('boom')) };
    assert.equal((await fetch(`${base}/metrics`)).status, 500);
    scrape = saved;
    assert.equal((await fetch(`${base}/metrics`)).status, 200);
  });

  it('is healthy at once and ready only when told', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    ready = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    ready = 'throws';
    assert.equal((await fetch(`${base}/readyz`)).status, 503, 'a readiness check that fails is not ready');
    ready = true;
  });

  it('answers 404 for unknown paths', async () => {
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish before closing', async () => {
    let release: () => void = () => undefined;
    const slow: ScrapeSource = {
      collect: () =>
        new Promise((resolve) => {
          release = () => resolve('slow_metric 1\n');
        }),
    };
    const app = createApp({
      scrape: slow,
      ownMetrics: async () => '',
      routers: [],
      isReady: () => true,
      logger: silentLogger(),
    });
    const server = await startServer(app, '127.0.0.1:0');
    const inflight = fetch(`http://${server.address}/metrics`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(closed, false, 'closed while a request was in flight');
    release();
    assert.match(await inflight, /slow_metric 1/);
    await closing;
    assert.equal(closed, true);
    await assert.rejects(fetch(`http://${server.address}/healthz`));
  });
});

describe('streamed exposition', () => {
  it('writes the pieces in order, then the registry, as the same body a string (or bytes) would give', async () => {
    const registry = ownRegistry();
    const lines = Array.from({ length: 50_000 }, (_, i) => `flink_job_up{cluster="a",job_name="job-${i}"} 1\n`);
    const pieces = function* (): Generator<string> {
      for (let i = 0; i < lines.length; i += 1000) yield lines.slice(i, i + 1000).join('');
    };
    const streamed = createApp({
      scrape: { collect: async () => pieces() },
      ownMetrics: () => registry.metrics(),
      routers: [],
      isReady: () => true,
      logger: silentLogger(),
    });
    const whole = createApp({
      scrape: { collect: async () => lines.join('') },
      // The registry's text kept as its bytes, as the service keeps the recoverer's.
      ownMetrics: async () => [Buffer.from(await registry.metrics())],
      routers: [],
      isReady: () => true,
      logger: silentLogger(),
    });
    const a = await startServer(streamed, '127.0.0.1:0');
    const b = await startServer(whole, '127.0.0.1:0');
    try {
      const ra = await fetch(`http://${a.address}/metrics`);
      const rb = await fetch(`http://${b.address}/metrics`);
      assert.equal(ra.status, 200);
      assert.equal(ra.headers.get('content-type'), rb.headers.get('content-type'));
      const body = await ra.text();
      assert.equal(body, await rb.text());
      assert.ok(body.endsWith('flink_guardian_scrape_errors_total{cluster="a"} 0\n'));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('cuts the response when rendering fails after the first piece', async () => {
    const broken = function* (): Generator<string> {
      yield 'flink_cluster_up{cluster="a"} 1\n'.repeat(10_000);
      throw new Error('render broke');
    };
    const app = createApp({
      scrape: { collect: async () => broken() },
      ownMetrics: async () => '',
      routers: [],
      isReady: () => true,
      logger: silentLogger(),
    });
    const server = await startServer(app, '127.0.0.1:0');
    try {
      await assert.rejects(fetch(`http://${server.address}/metrics`).then((r) => r.text()));
      assert.equal((await fetch(`http://${server.address}/healthz`)).status, 200);
    } finally {
      await server.close();
    }
  });
});
