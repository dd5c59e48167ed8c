// alertmanager/alertmanager.yml run by the real Alertmanager: a recovery alert reaches a stand-in for the
// flink-guardian webhook within seconds, as a version-4 payload grouped per job, with the bearer token read
// from the credentials_file; other alerts do not; FlinkClusterDown inhibits the cluster's jobs; resolved
// notifications follow. The configuration is rewritten only on the lines marked "e2e: rewrite".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './tools.js';

type Delivery = {
  headers: IncomingHttpHeaders;
  body: {
    version: string;
    status: string;
    receiver: string;
    groupLabels: Record<string, string>;
    alerts: { status: string; labels: Record<string, string> }[];
  };
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('alertmanager.yml in a real Alertmanager', { timeout: 90_000 }, () => {
  const TOKEN = 'test-token-1234';
  const deliveries: Delivery[] = [];
  let dir = '';
  let webhook: Server | undefined;
  let am: ChildProcess | undefined;
  let amLog = '';
  let amUrl = '';

  before(async () => {
    const binary = requireTool('prometheus-alertmanager');
    dir = mkdtempSync(join(tmpdir(), 'fg-am-'));
    webhook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliveries.push({
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Delivery['body'],
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => webhook!.listen(0, '127.0.0.1', r));
    const hookPort = (webhook.address() as { port: number }).port;
    writeFileSync(join(dir, 'token'), TOKEN);
    const config = readFileSync('alertmanager/alertmanager.yml', 'utf8')
      .split('\n')
      .map((line) => {
        if (!line.endsWith('# e2e: rewrite')) return line;
        if (/^\s*- url:/.test(line)) return line.replace(/url: \S+/, `url: http://127.0.0.1:${hookPort}/alertmanager`);
        if (/^\s*credentials_file:/.test(line))
          return line.replace(/credentials_file: \S+/, `credentials_file: ${join(dir, 'token')}`);
        return line;
      })
      .join('\n');
    writeFileSync(join(dir, 'alertmanager.yml'), config);
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = spawn(
      binary,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    am.stdout?.on('data', (c: Buffer) => (amLog += c.toString()));
    am.stderr?.on('data', (c: Buffer) => (amLog += c.toString()));
    await waitFor(
      'Alertmanager ready',
      async () => {
        if (am?.exitCode !== null) throw new Error(`Alertmanager exited: ${amLog}`);
        try {
          return (await fetch(`${amUrl}/-/ready`)).ok ? true : undefined;
        } catch {
          return undefined;
        }
      },
      20_000,
    );
  });

  after(async () => {
    if (am && am.exitCode === null) {
      const exited = new Promise((r) => am!.once('exit', r));
      am.kill('SIGTERM');
      await exited;
    }
    await new Promise((r) => (webhook ? webhook.close(r) : r(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function post(alerts: { labels: Record<string, string>; endsAt?: string }[]): Promise<void> {
    const res = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        alerts.map((a) => ({
          labels: a.labels,
          annotations: { summary: 'test' },
          startsAt: new Date(Date.now() - 1000).toISOString(),
          ...(a.endsAt ? { endsAt: a.endsAt } : {}),
        })),
      ),
    });
    assert.equal(res.status, 200, await res.text());
  }

  const failed = {
    alertname: 'FlinkJobFailed',
    cluster: 'prod',
    job_name: 'orders',
    severity: 'critical',
    flink_recovery: 'auto',
  };

  it('delivers a recovery alert to the webhook within seconds, per job, with the bearer token', async () => {
    const started = Date.now();
    await post([
      { labels: failed },
      { labels: { alertname: 'FlinkJobNotRunning', cluster: 'prod', job_name: 'orders', severity: 'warning' } },
    ]);
    const delivery = await waitFor('the webhook notification', () => deliveries[0], 10_000);
    assert.ok(Date.now() - started < 8_000, `took ${Date.now() - started} ms`);
    assert.equal(delivery.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(delivery.body.version, '4');
    assert.equal(delivery.body.receiver, 'flink-guardian');
    assert.equal(delivery.body.status, 'firing');
    assert.deepEqual(delivery.body.groupLabels, { cluster: 'prod', job_name: 'orders' });
    assert.deepEqual(
      delivery.body.alerts.map((a) => a.labels.alertname),
      ['FlinkJobFailed'],
    );
  });

  it('holds back the recovery alert of a job whose cluster is down (inhibition)', async () => {
    const before = deliveries.length;
    await post([{ labels: { alertname: 'FlinkClusterDown', cluster: 'staging', severity: 'critical' } }]);
    await new Promise((r) => setTimeout(r, 500));
    await post([{ labels: { ...failed, cluster: 'staging', job_name: 'billing' } }]);
    await new Promise((r) => setTimeout(r, 4_000));
    assert.deepEqual(
      deliveries.slice(before).map((d) => d.body.groupLabels),
      [],
    );
  });

  it('sends the resolved notification', async () => {
    await post([{ labels: failed, endsAt: new Date().toISOString() }]);
    const resolved = await waitFor(
      'the resolved notification',
      () => deliveries.find((d) => d.body.status === 'resolved'),
      20_000,
    );
    assert.deepEqual(resolved.body.groupLabels, { cluster: 'prod', job_name: 'orders' });
    assert.equal(resolved.body.alerts[0]?.status, 'resolved');
  });
});
