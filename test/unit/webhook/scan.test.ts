import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countBody } from '../../../src/webhook/scan.js';

const count = (text: string) => countBody(Buffer.from(text));

describe('countBody', () => {
  it('counts the elements of the top-level alerts array, whatever they are', () => {
    assert.equal(count('{"alerts":[]}').alerts, 0);
    assert.equal(count('{"alerts":[ ]}').alerts, 0);
    assert.equal(count('{"alerts":[{}]}').alerts, 1);
    assert.equal(count('{"alerts":[{},{},{}]}').alerts, 3);
    assert.equal(count('{"alerts":[1,2,3,4]}').alerts, 4);
    assert.equal(count(' { "version" : "4" , "alerts" : [ {"a":[1,2]} , {} ] } ').alerts, 2);
    assert.equal(count(`{"alerts":[${'{},'.repeat(250_000)}{}]}`).alerts, 250_001);
  });

  it('ignores commas and brackets inside strings, escaped quotes included', () => {
    const body = JSON.stringify({ alerts: [{ labels: { a: 'x,],[,{"}', b: '\\",' } }], note: '"alerts":[1,2]' });
    assert.equal(count(body).alerts, 1);
    assert.equal(count(body).widest.members, 2);
  });

  it('counts only the root member named alerts, or one whose escaped name may decode to it', () => {
    assert.equal(count('{"other":[1,2,3],"nested":{"alerts":[1,2]}}').alerts, 0);
    assert.equal(count('{"\\u0061lerts":[1,2,3]}').alerts, 3);
  });

  it('counts what a torn body opened', () => {
    assert.equal(count('{"alerts":[{},{},{').alerts, 3);
    assert.equal(count('{"alerts":[').alerts, 0);
  });

  it('finds the widest object and says where it is', () => {
    const labels = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`l${i}`, 'v']));
    const body = JSON.stringify({ version: '4', alerts: [{ labels: {} }, { labels }], commonLabels: { a: '1' } });
    assert.deepEqual(count(body).widest, { members: 300, where: 'alerts[1]' });
    const common = JSON.stringify({ alerts: [], commonLabels: labels });
    assert.deepEqual(count(common).widest, { members: 300, where: 'commonLabels' });
  });
});
