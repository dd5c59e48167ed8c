import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { Registry } from 'prom-client';
import { silentLogger } from '../../../src/log.js';
import type { IncomingAlert } from '../../../src/recovery/decide/screen.js';
import type { AcceptResult, ResetResult } from '../../../src/recovery/recoverer.js';
import type { Episode } from '../../../src/recovery/model/episode-schema.js';
import { createWebhookRouter, type RecoveriesPort } from '../../../src/webhook/router.js';
import { episode } from '../recovery/fixtures.js';
import { firing, v4 } from '../../support/alertmanager.js';

type RouterConfig = Parameters<typeof createWebhookRouter>[0]['config'];

class FakeRecoverer implements RecoveriesPort {
  received: IncomingAlert[][] = [];
  accepting = true;
  stored: Episode[] = [episode({ status: 'exhausted' }), episode({ jobName: 'open-one' })];
  accept(alerts: readonly IncomingAlert[]): AcceptResult {
    if (!this.accepting) return { ok: false, reason: 'not_running' };
    this.received.push([...alerts]);
    return { ok: true, alerts: alerts.length, considered: alerts.length };
  }
  episodes(): Episode[] {
    return this.stored;
  }
  async reset(cluster: string, jobName: string): Promise<ResetResult> {
    const ep = this.stored.find((e) => e.cluster === cluster && e.jobName === jobName);
    if (ep === undefined) return { kind: 'not_found' };
    if (ep.status !== 'exhausted') return { kind: 'not_exhausted', episode: ep };
    return { kind: 'reset', episode: { ...ep, status: 'closed' } };
  }
}

const TOKEN = 'tok';
const auth = { authorization: `Bearer ${TOKEN}` };

/** The router alone on a free port, in front of `recoverer`; its base URL and a way to stop it. */
async function serveRouter(
  recoverer: RecoveriesPort,
  registry: Registry,
  config: Partial<RouterConfig> = {},
): Promise<{ base: string; close: () => Promise<void> }> {
  const app = express();
  app.use(
    createWebhookRouter({
      config: { bearerToken: TOKEN, maxBodyBytes: 4096, maxAlerts: 100, maxLabelValueLength: 1024, ...config },
      recoverer,
      registry,
      logger: silentLogger(),
    }),
  );
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('webhook router', () => {
  let base: string;
  let close: () => Promise<void>;
  const fake = new FakeRecoverer();
  const registry = new Registry();

  before(async () => {
    ({ base, close } = await serveRouter(fake, registry));
  });
  after(() => close());

  const post = (path: string, body: unknown, headers: Record<string, string> = auth): Promise<Response> =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('accepts a valid payload at once and hands every alert over', async () => {
    const res = await post('/alertmanager', v4([firing, { ...firing, status: 'resolved' }]));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'accepted', alerts: 2, considered: 2 });
    assert.deepEqual(
      fake.received.at(-1)?.map((a) => a.status),
      ['firing', 'resolved'],
    );
    assert.equal(fake.received.at(-1)?.[0]?.fingerprint, 'c1a2b3d4e5f60718');
  });

  it('401 without or with wrong credentials, before reading the body', async () => {
    assert.equal((await post('/alertmanager', v4([firing]), {})).status, 401);
    assert.equal((await post('/alertmanager', v4([firing]), { authorization: 'Bearer nope' })).status, 401);
    assert.equal((await post('/alertmanager', 'x'.repeat(10_000), { authorization: 'Bearer nope' })).status, 401);
  });

  it('400 saying what is wrong', async () => {
    const res = await post('/alertmanager', v4([{ ...firing, status: 'weird' }]));
    assert.equal(res.status, 400);
    const body = (await res.json()) as { issues: string[] };
    assert.match(body.issues.join(), /alerts\[0\]\.status/);
    assert.equal((await post('/alertmanager', '{"version": "4", ')).status, 400);
    assert.equal((await post('/alertmanager', '')).status, 400);
  });

  it('413 over maxBodyBytes', async () => {
    const big = v4([{ ...firing, annotations: { summary: 'x'.repeat(5_000) } }]);
    assert.equal((await post('/alertmanager', big)).status, 413);
  });

  it('503 when the recoverer cannot accept (a redelivery can help)', async () => {
    fake.accepting = false;
    try {
      assert.equal((await post('/alertmanager', v4([firing]))).status, 503);
    } finally {
      fake.accepting = true;
    }
  });

  it('the recoveries API needs credentials and shows every episode', async () => {
    assert.equal((await fetch(`${base}/api/v1/recoveries`)).status, 401);
    const res = await fetch(`${base}/api/v1/recoveries`, { headers: auth });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { episodes: unknown[] }).episodes.length, 2);
  });

  it('reset: 200 for exhausted, 409 for open, 404 for unknown, 401 without credentials', async () => {
    assert.equal((await post('/api/v1/recoveries/prod/orders/reset', '', {})).status, 401);
    assert.equal((await post('/api/v1/recoveries/prod/orders/reset', '')).status, 200);
    assert.equal((await post('/api/v1/recoveries/prod/open-one/reset', '')).status, 409);
    assert.equal((await post('/api/v1/recoveries/prod/nothing/reset', '')).status, 404);
  });

  it('counts webhook requests by status code', async () => {
    const text = await registry.metrics();
    for (const code of ['200', '400', '401', '413', '503']) {
      assert.match(text, new RegExp(`flink_guardian_webhook_requests_total\\{code="${code}"\\} [1-9]`), code);
    }
  });
});

describe('webhook router with basic auth', () => {
  it('checks basic credentials', async () => {
    const served = await serveRouter(new FakeRecoverer(), new Registry(), {
      bearerToken: undefined,
      basicAuth: { username: 'am', password: 'pw' },
    });
    const url = `${served.base}/alertmanager`;
    try {
      const ok = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('am:pw').toString('base64')}` },
        body: JSON.stringify(v4([firing])),
      });
      assert.equal(ok.status, 200);
      const bad = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('am:x').toString('base64')}` },
        body: JSON.stringify(v4([firing])),
      });
      assert.equal(bad.status, 401);
      assert.match(bad.headers.get('www-authenticate') ?? '', /Basic/);
    } finally {
      await served.close();
    }
  });
});

describe('webhook router bounds', () => {
  let url: string;
  let close: () => Promise<void>;
  const fake = new FakeRecoverer();
  const registry = new Registry();

  before(async () => {
    const served = await serveRouter(fake, registry, { maxBodyBytes: 1024 * 1024, maxAlerts: 1000 });
    url = `${served.base}/alertmanager`;
    close = served.close;
  });
  after(() => close());

  const post = (body: string): Promise<Response> =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body });

  it('refuses 250,000 alerts in 750 KB with a 400 saying the cap and the count; nothing is handed over', async () => {
    const before = fake.received.length;
    const res = await post(`{"version":"4","status":"firing","alerts":[${'{},'.repeat(249_999)}{}]}`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { issues: string[] };
    assert.match(body.issues.join(), /250000 alerts in one body, at most 1000 \(webhook\.maxAlerts\)/);
    assert.equal(fake.received.length, before);
  });

  it('hands over at most maxAlerts alerts', async () => {
    assert.equal((await post(JSON.stringify(v4(Array(1000).fill(firing))))).status, 200);
    assert.equal(fake.received.at(-1)?.length, 1000);
    assert.equal((await post(JSON.stringify(v4(Array(1001).fill(firing))))).status, 400);
  });

  it('cuts a 900 KB job_name before the recoverer sees it', async () => {
    const long = 'x'.repeat(900_000);
    const alert = { ...firing, status: 'resolved', labels: { ...firing.labels, job_name: long } };
    for (let i = 0; i < 3; i++) assert.equal((await post(JSON.stringify(v4([alert])))).status, 200);
    const seen = fake.received.slice(-3).map((alerts) => alerts[0]?.labels.job_name);
    assert.deepEqual(seen, Array(3).fill(`${'x'.repeat(1024)}…`));
  });

  it('refuses 10,000 junk labels in one alert, naming the alert', async () => {
    const labels = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`junk${i}`, String(i)]));
    const res = await post(JSON.stringify(v4([firing, { ...firing, labels }])));
    assert.equal(res.status, 400);
    assert.match(
      ((await res.json()) as { issues: string[] }).issues.join(),
      /^alerts\[1\]: an object of 10000 members/,
    );
  });
});
