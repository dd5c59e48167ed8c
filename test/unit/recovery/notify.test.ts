import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../src/log.js';
import {
  AlertmanagerNotifier,
  noticeAlert,
  notifyAuthHeader,
  type FetchLike,
  type OutcomeNotice,
} from '../../../src/recovery/report/notify.js';
import { T0 } from './fixtures.js';

const notice: OutcomeNotice = {
  kind: 'exhausted',
  cluster: 'prod',
  jobName: 'orders',
  episode: 'ep1',
  attempts: 3,
  attempt: 3,
  restoreFrom: 'checkpoint',
  restorePath: '/c/chk-1',
  reason: 'max_attempts',
  at: T0,
};

describe('outcome notifications', () => {
  it('an Alertmanager v2 alert carrying the restore point and attempts', () => {
    const a = noticeAlert(notice) as {
      labels: Record<string, string>;
      annotations: Record<string, string>;
      startsAt: string;
      endsAt: string;
    };
    assert.equal(a.labels.alertname, 'FlinkRecoveryOutcome');
    assert.equal(a.labels.outcome, 'exhausted');
    assert.equal(a.labels.severity, 'critical');
    assert.equal(a.annotations.restore_point, '/c/chk-1');
    assert.equal(a.annotations.attempts, '3');
    assert.ok(Date.parse(a.endsAt) > Date.parse(a.startsAt));
  });

  it('posts to every peer with credentials, and never throws', async () => {
    const calls: { url: string; headers: Record<string, string>; body: string }[] = [];
    const fetchFn: FetchLike = async (url, init) => {
      calls.push({ url, headers: init.headers, body: init.body });
      if (url.includes('down')) throw new Error('ECONNREFUSED');
      return { ok: true, status: 200 };
    };
    const n = new AlertmanagerNotifier(
      { alertmanagerUrls: ['http://am1:9093/', 'http://down:9093'], bearerToken: 'x', timeout: 1000 },
      silentLogger(),
      fetchFn,
    );
    await n.notify(notice);
    assert.deepEqual(
      calls.map((c) => c.url),
      ['http://am1:9093/api/v2/alerts', 'http://down:9093/api/v2/alerts'],
    );
    assert.equal(calls[0]?.headers.authorization, 'Bearer x');
    assert.equal((JSON.parse(calls[0]?.body ?? '[]') as unknown[]).length, 1);
  });

  it('basic auth header', () => {
    assert.equal(
      notifyAuthHeader({ basicAuth: { username: 'u', password: 'p' } }),
      `Basic ${Buffer.from('u:p').toString('base64')}`,
    );
    assert.equal(notifyAuthHeader({}), undefined);
  });
});
