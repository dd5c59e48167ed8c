/**
 * A real Prometheus (Debian's, as the e2e suite runs it) scrapes the built service with `scrape_timeout: 2s`
 * while one of its two Flink clusters hangs: the target stays up, and the healthy cluster's series are there.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { startPrometheus, type RunningServer } from '../e2e/harness/prometheus.js';
import { startFlinkSimulator, type FlinkSimulator } from '../support/flink-sim/simulator.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { serve, twoClusterConfig, type GuardianProcess } from './guardian-process.js';

interface Vector {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

async function query(prometheus: string, expr: string): Promise<Vector[]> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { data: { result: Vector[] } };
  return body.data.result;
}

describe('Prometheus scraping the service while one Flink hangs', () => {
  let healthy: FlinkSimulator;
  let sick: FlinkSimulator;
  let proxy: FaultProxy;
  let service: GuardianProcess;
  let prometheus: RunningServer;

  before(async () => {
    healthy = await startFlinkSimulator({ version: '1.20.1' });
    sick = await startFlinkSimulator({ version: '2.1.0' });
    proxy = await startFaultProxy(sick.url);
    proxy.set('hang');
    healthy.addJob({ name: 'orders' });
    sick.addJob({ name: 'clicks' });
    const dir = await mkdtemp(join(tmpdir(), 'guardian-prometheus-'));
    service = await serve(await twoClusterConfig(dir, healthy.url, proxy.url));
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(
      configFile,
      stringify({
        global: { scrape_interval: '3s', scrape_timeout: '2s' },
        scrape_configs: [{ job_name: 'guardian', static_configs: [{ targets: [new URL(service.base).host] }] }],
      }),
    );
    prometheus = await startPrometheus({ configFile, dir });
  });
  after(async () => {
    await prometheus?.stop();
    service?.child.kill('SIGTERM');
    await proxy?.close();
    await Promise.all([healthy?.close(), sick?.close()]);
  });

  it('keeps the target up with the healthy cluster complete and the hanging one down', async () => {
    // Three scrapes, each of them with the sick cluster hanging all along.
    const deadline = Date.now() + 30_000;
    let scrapes = 0;
    while (Date.now() < deadline) {
      const samples = await query(prometheus.url, 'count_over_time(up{job="guardian"}[1m])');
      scrapes = Number(samples[0]?.value[1] ?? 0);
      if (scrapes >= 3) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(scrapes >= 3, `Prometheus scraped ${scrapes} times`);
    const value = async (expr: string): Promise<number | undefined> => {
      const v = (await query(prometheus.url, expr))[0]?.value[1];
      return v === undefined ? undefined : Number(v);
    };
    assert.equal(await value('min_over_time(up{job="guardian"}[1m])'), 1, 'no scrape of the target failed');
    assert.ok(((await value('max_over_time(scrape_duration_seconds{job="guardian"}[1m])')) ?? 99) < 2);
    assert.equal(await value('flink_cluster_up{cluster="healthy"}'), 1);
    assert.equal(await value('flink_cluster_up{cluster="sick"}'), 0);
    assert.equal(await value('flink_job_up{cluster="healthy",job_name="orders"}'), 1);
    assert.ok(((await value('flink_guardian_scrape_errors_total{cluster="sick"}')) ?? 0) >= 3);
  });
});
