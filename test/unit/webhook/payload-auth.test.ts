import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { checkCredentials, safeEqual } from '../../../src/webhook/auth.js';
import { MAX_OBJECT_MEMBERS, cutText, parsePayload, readPayload } from '../../../src/webhook/payload.js';
import { firing, v4 } from '../../support/alertmanager.js';

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

describe('webhook payload bounds', () => {
  const limits = { maxAlerts: 10, maxLabelValueLength: 64 };
  const raw = (body: unknown): Buffer => Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));

  it('reads a raw body within the limits as parsePayload does', () => {
    const r = readPayload(raw(v4([firing, firing])), limits);
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.payload, (parsePayload(v4([firing, firing])) as { payload: unknown }).payload);
  });

  it('refuses more alerts than maxAlerts before parsing the body, saying the cap and the count', () => {
    const parse = mock.method(JSON, 'parse');
    try {
      // The tail is torn on purpose: the count decides before JSON.parse could see it.
      const body = `{"version":"4","status":"firing","alerts":[${'{},'.repeat(250_000)}{}]`;
      const r = readPayload(Buffer.from(body), limits);
      assert.equal(parse.mock.callCount(), 0, 'no object of the body was built');
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.issues.length, 1);
        assert.match(r.issues[0] ?? '', /^alerts: 250001 alerts in one body, at most 10 \(webhook\.maxAlerts\)/);
      }
    } finally {
      parse.mock.restore();
    }
    assert.ok(readPayload(raw(v4(Array(10).fill(firing))), limits).ok, 'exactly the cap is fine');
    assert.equal(parsePayload(v4(Array(11).fill(firing)), limits).ok, false, 'parsed bodies are held to it too');
  });

  it('refuses an object with more members than a label set has', () => {
    const labels = Object.fromEntries(Array.from({ length: MAX_OBJECT_MEMBERS + 1 }, (_, i) => [`junk${i}`, 'x']));
    const r = readPayload(raw(v4([firing, { ...firing, labels }])), limits);
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(r.issues, [`alerts[1]: an object of ${MAX_OBJECT_MEMBERS + 1} members, at most 256`]);
  });

  it('cuts long label and annotation names and values, marked so no catalog name can match them', () => {
    const long = 'j'.repeat(900_000);
    const alert = {
      ...firing,
      labels: { ...firing.labels, job_name: long, [`x${long}`]: 'v' },
      annotations: { summary: long },
    };
    const r = readPayload(raw(v4([alert], { commonLabels: { job_name: long } })), limits);
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(r.cut, 4);
    const labels = r.payload.alerts[0]?.labels ?? {};
    assert.equal(labels.job_name, `${'j'.repeat(64)}…`);
    assert.equal(labels.cluster, 'prod', 'short labels are untouched');
    assert.equal(labels[`x${'j'.repeat(63)}…`], 'v');
    assert.ok(Object.keys(labels).every((k) => k.length <= 65) && Object.values(labels).every((v) => v.length <= 65));
    assert.equal(r.payload.alerts[0]?.annotations?.summary?.length, 65);
    assert.equal(r.payload.commonLabels?.job_name, `${'j'.repeat(64)}…`);
  });

  it('never cuts a character in half', () => {
    assert.equal(cutText(`${'a'.repeat(63)}😀`, 64), `${'a'.repeat(63)}…`);
    assert.equal(cutText('short', 64), 'short');
  });

  it('refuses fingerprints and times no Alertmanager sends', () => {
    assert.equal(readPayload(raw(v4([{ ...firing, fingerprint: 'f'.repeat(65) }])), limits).ok, false);
    assert.equal(readPayload(raw(v4([{ ...firing, startsAt: '2'.repeat(65) }])), limits).ok, false);
  });

  it('says what is wrong with a body that is not JSON, or empty', () => {
    const torn = readPayload(raw('{"version": "4", '), limits);
    assert.equal(torn.ok, false);
    if (!torn.ok) assert.match(torn.issues[0] ?? '', /^\(root\): not valid JSON/);
    const empty = readPayload(Buffer.alloc(0), limits);
    assert.equal(empty.ok, false);
    assert.equal(readPayload(undefined, limits).ok, false);
  });

  it('keeps issues short when a label name is huge', () => {
    const r = readPayload(raw(v4([{ ...firing, labels: { ['n'.repeat(5000)]: 1 } }])), limits);
    assert.equal(r.ok, false);
    if (!r.ok) assert.ok(r.issues.every((i) => i.length <= 513));
  });
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
