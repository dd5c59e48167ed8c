/**
 * The built service with two clusters, one healthy and one behind a fault-injecting proxy: for every way a sick
 * JobManager answers, /metrics answers within the deadline Prometheus' header sets, with the healthy cluster
 * complete, memory bounded and the process alive; the recoverer's reads of the sick cluster end in a decision
 * within the client's bound, and SIGTERM stops the service within it.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFlinkSimulator, type FlinkSimulator } from '../support/flink-sim/simulator.js';
import { FAULTS, startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { serve, TOKEN, twoClusterConfig, type GuardianProcess } from './guardian-process.js';

/** Per request 1 s, 2 retries: the client's bound on one read is about 3 s plus two short backoffs. */
const CLIENT_BOUND_MS = 3 * 1000 + 2 * 2000 + 1000;

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

async function scrape(base: string, timeoutSeconds: number): Promise<{ text: string; ms: number; status: number }> {
  const started = performance.now();
  const res = await fetch(`${base}/metrics`, {
    headers: { 'x-prometheus-scrape-timeout-seconds': String(timeoutSeconds) },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { text, ms: performance.now() - started, status: res.status };
}

describe('exporter and recoverer against a sick cluster beside a healthy one', () => {
  let healthy: FlinkSimulator;
  let sick: FlinkSimulator;
  let proxy: FaultProxy;
  let service: GuardianProcess;
  let dir: string;

  before(async () => {
    healthy = await startFlinkSimulator({ version: '1.20.1' });
    sick = await startFlinkSimulator({ version: '2.1.0' });
    proxy = await startFaultProxy(sick.url, 4 * 1024 * 1024);
    const orders = healthy.addJob({ name: 'orders' });
    healthy.completeCheckpoint(orders);
    healthy.addJob({ name: 'payments', restarts: 2 });
    sick.addJob({ name: 'clicks' });
    dir = await mkdtemp(join(tmpdir(), 'guardian-faults-'));
    service = await serve(await twoClusterConfig(dir, healthy.url, proxy.url));
    // A first scrape with everyone healthy reads every checkpoint config.
    const first = await scrape(service.base, 10);
    assert.equal(sample(first.text, 'flink_cluster_up{cluster="sick"}'), 1);
  });
  after(async () => {
    if (service.child.exitCode === null) service.child.kill('SIGKILL');
    await proxy.close();
    await Promise.all([healthy.close(), sick.close()]);
  });

  const healthyComplete = (text: string): void => {
    assert.equal(sample(text, 'flink_cluster_up{cluster="healthy"}'), 1);
    assert.equal(sample(text, 'flink_job_up{cluster="healthy",job_name="orders"}'), 1);
    assert.equal(sample(text, 'flink_job_up{cluster="healthy",job_name="payments"}'), 1);
    assert.equal(sample(text, 'flink_job_restarts_total{cluster="healthy",job_name="payments"}'), 2);
    assert.equal(
      sample(text, 'flink_job_checkpoints_total{cluster="healthy",job_name="orders",result="completed"}'),
      1,
    );
    assert.ok(
      text.includes('flink_job_last_checkpoint_completed_timestamp_seconds{cluster="healthy",job_name="orders"}'),
    );
  };

  for (const fault of FAULTS) {
    it(`${fault}: /metrics in time, the healthy cluster complete, the sick one down, memory bounded`, async () => {
      const errorsBefore = sample(
        (await scrape(service.base, 10)).text,
        'flink_guardian_scrape_errors_total{cluster="sick"}',
      );
      proxy.set(fault);
      try {
        const { text, ms, status } = await scrape(service.base, 2);
        assert.equal(status, 200);
        assert.ok(ms < 2000, `answered in ${Math.round(ms)} ms, after Prometheus' 2 s`);
        healthyComplete(text);
        assert.equal(sample(text, 'flink_cluster_up{cluster="sick"}'), 0);
        assert.ok(!text.includes('cluster="sick",job_name="clicks",job_id'), 'no job series of a cluster that is down');
        const errors = sample(text, 'flink_guardian_scrape_errors_total{cluster="sick"}') ?? 0;
        assert.equal(errors, (errorsBefore ?? 0) + 1);
        const rss = sample(text, 'process_resident_memory_bytes') ?? Number.POSITIVE_INFINITY;
        assert.ok(rss < 300 * 1024 * 1024, `RSS ${Math.round(rss / 1048576)} MB`);
      } finally {
        proxy.set('none');
      }
      assert.equal((await fetch(`${service.base}/healthz`)).status, 200);
      assert.equal(service.child.exitCode, null, 'the process is alive');
    });
  }

  it('per-job calls that hang: the sick cluster is up with its partial series, the healthy one complete', async () => {
    proxy.set('hang', 'perJob');
    try {
      const { text, ms } = await scrape(service.base, 2);
      assert.ok(ms < 2000, `answered in ${Math.round(ms)} ms`);
      healthyComplete(text);
      assert.equal(sample(text, 'flink_cluster_up{cluster="sick"}'), 1);
      assert.equal(sample(text, 'flink_job_up{cluster="sick",job_name="clicks"}'), 1);
      assert.ok(!text.includes('flink_job_restarts_total{cluster="sick"'), 'no details of a job that did not answer');
    } finally {
      proxy.set('none');
    }
  });

  it("the recoverer's read of a hanging cluster: a decision within the client's bound; SIGTERM stops it", async () => {
    proxy.set('hang');
    const labels = {
      alertname: 'FlinkJobFailed',
      cluster: 'sick',
      job_name: 'clicks',
      severity: 'critical',
      flink_recovery: 'auto',
    };
    const payload = {
      version: '4',
      groupKey: '{}:{cluster="sick", job_name="clicks"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'flink-guardian',
      groupLabels: { cluster: 'sick', job_name: 'clicks' },
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: 'http://127.0.0.1:9093',
      alerts: [
        {
          status: 'firing',
          labels,
          annotations: {},
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://127.0.0.1:9090/graph',
          fingerprint: 'f1a2b3c4d5e6f708',
        },
      ],
    };
    const posted = performance.now();
    const res = await fetch(`${service.base}/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    assert.ok(res.status < 500, `webhook answered ${res.status}`);
    const decided = (): boolean =>
      service.logs.some((line) => /"decision":/.test(line) && /"job_name":"clicks"/.test(line));
    while (!decided() && performance.now() - posted < CLIENT_BOUND_MS + 2000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(
      decided(),
      `no decision about clicks within ${CLIENT_BOUND_MS} ms:\n${service.logs.slice(-8).join('\n')}`,
    );
    assert.ok(performance.now() - posted < CLIENT_BOUND_MS);

    // A second alert starts another read, and SIGTERM comes while it hangs.
    await fetch(`${service.base}/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...payload, alerts: [{ ...payload.alerts[0], fingerprint: 'f1a2b3c4d5e6f709' }] }),
    });
    const stopping = performance.now();
    const exited = new Promise<number | null>((resolve) => service.child.once('exit', (code) => resolve(code)));
    service.child.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0);
    assert.ok(performance.now() - stopping < CLIENT_BOUND_MS, 'SIGTERM ended the service within the bound');
  });
});
