import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkpointStatsSchema, toCheckpointStats } from '../../../src/flink/wire/checkpoints.js';
import { pickMembers } from '../../../src/flink/wire/members.js';
import { fixture, VERSIONS } from './fixtures.js';

const KEYS: ReadonlySet<string> = new Set(['counts', 'latest']);

/** The object JSON.parse makes of `text` with only the members named by `keys`: what pickMembers must equal. */
function reference(text: string, keys: ReadonlySet<string>): unknown {
  const whole = JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(whole).filter(([k]) => keys.has(k)));
}

describe('pickMembers', () => {
  for (const version of VERSIONS) {
    it(`keeps what the checkpoint statistics of Flink ${version} are read for`, () => {
      const text = fixture(version, 'checkpoints');
      const picked = pickMembers(text, KEYS);
      assert.ok(
        picked !== undefined && !picked.includes('"summary"') && !picked.includes('"history"'),
        'summary and history are left out',
      );
      assert.deepEqual(JSON.parse(picked), reference(text, KEYS));
      const full = toCheckpointStats(checkpointStatsSchema.parse(JSON.parse(text)));
      assert.deepEqual(toCheckpointStats(checkpointStatsSchema.parse(JSON.parse(picked))), full);
    });
  }

  it('finds keys among strings, escapes, nesting and scalars of every kind', () => {
    const body = {
      a: 'x"}{],[\\',
      'k\\"ey': { nested: [1, { '"': '}' }, []], e: '' },
      counts: { completed: 3 },
      n: -1.5e3,
      t: true,
      z: null,
      latest: [{ id: 1 }, '\\'],
      after: 'never read',
    };
    for (const text of [
      JSON.stringify(body),
      JSON.stringify(body, null, 2),
      ` \n${JSON.stringify(body, null, '\t')}\r\n`,
    ]) {
      assert.deepEqual(JSON.parse(pickMembers(text, KEYS) ?? 'null'), reference(text, KEYS), text);
      assert.deepEqual(
        JSON.parse(pickMembers(text, new Set(['n', 't', 'z', 'k\\"ey'])) ?? 'null'),
        reference(text, new Set(['n', 't', 'z', 'k\\"ey'])),
      );
    }
  });

  it('keeps the first of a key sent twice, and all members when every key is wanted', () => {
    assert.equal(pickMembers('{"counts":1,"counts":2}', KEYS), '{"counts":1}');
    assert.equal(
      pickMembers('{"latest":{},"x":[1,2],"counts":0}', new Set(['latest', 'x', 'counts'])),
      '{"latest":{},"x":[1,2],"counts":0}',
    );
    assert.equal(pickMembers('{"x":1}', KEYS), '{}');
    assert.equal(pickMembers(' { } ', KEYS), '{}');
  });

  it('stops once every wanted key is found: what follows is not read', () => {
    assert.equal(
      pickMembers('{"counts":{"completed":1},"latest":null,"history":[{"id":', KEYS),
      '{"counts":{"completed":1},"latest":null}',
    );
  });

  it('gives up on text it cannot scan, so JSON.parse reports it', () => {
    for (const text of [
      '',
      '[1,2]',
      '"counts"',
      '{"counts":{"completed":1}',
      '{"counts" 1}',
      '{counts:1}',
      '{"counts":}',
      '{"a":"open',
      '{"a":1 "latest":2}',
      'null',
    ]) {
      assert.equal(pickMembers(text, KEYS), undefined, JSON.stringify(text));
    }
  });
});
