import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCredentials, safeEqual } from '../../../src/webhook/auth.js';
import { parsePayload } from '../../../src/webhook/payload.js';
import { firing, v4 } from './payloads.js';

describe('webhook payload', () => {
  it('accepts a version-4 body and unknown fields (notification_reason, alert extras)', () => {
    const r = parsePayload(v4([{ ...firing, newField: 1 }], { notification_reason: 'first notification' }));
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.payload.alerts[0]?.labels.job_name, 'orders');
  });
  it('accepts mixed firing and resolved alerts and an empty list', () => {
    assert.ok(parsePayload(v4([firing, { ...firing, status: 'resolved' }])).ok);
    assert.ok(parsePayload(v4([])).ok);
  });
  const bad: [string, unknown, RegExp][] = [
    ['not an object', [1, 2], /\(root\)/],
    ['null', null, /\(root\)/],
    ['wrong version', v4([firing], { version: '3' }), /version/],
    ['no alerts', { version: '4', status: 'firing' }, /alerts/],
    ['bad alert status', v4([{ ...firing, status: 'pending' }]), /alerts\[0\]\.status/],
    ['labels not strings', v4([{ ...firing, labels: { cluster: 1 } }]), /alerts\[0\]\.labels\.cluster/],
    ['negative truncatedAlerts', v4([firing], { truncatedAlerts: -1 }), /truncatedAlerts/],
  ];
  for (const [name, body, where] of bad) {
    it(`refuses ${name}, saying where`, () => {
      const r = parsePayload(body);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.issues.join('\n'), where);
    });
  }
});

describe('webhook credentials', () => {
  const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  it('bearer', () => {
    const cfg = { bearerToken: 's3cret' };
    assert.ok(checkCredentials('Bearer s3cret', cfg));
    assert.ok(checkCredentials('bearer s3cret', cfg));
    for (const h of [
      undefined,
      '',
      'Bearer',
      'Bearer s3cre',
      'Bearer s3cret2',
      'Basic s3cret',
      basic('x', 's3cret'),
      's3cret',
    ]) {
      assert.equal(checkCredentials(h, cfg), false, String(h));
    }
  });
  it('basic', () => {
    const cfg = { basicAuth: { username: 'am', password: 'p:w' } };
    assert.ok(checkCredentials(basic('am', 'p:w'), cfg));
    for (const h of [
      undefined,
      basic('am', 'p'),
      basic('AM', 'p:w'),
      basic('am', 'p:w2'),
      'Bearer p:w',
      'Basic !!!',
      `Basic ${Buffer.from('amp:w').toString('base64')}`,
    ]) {
      assert.equal(checkCredentials(h, cfg), false, String(h));
    }
  });
  it('never open without configured credentials', () => {
    assert.equal(checkCredentials('Bearer x', {}), false);
  });
  it('compares strings of any length', () => {
    assert.ok(safeEqual('a', 'a'));
    assert.equal(safeEqual('a', 'a'.repeat(1000)), false);
  });
});
