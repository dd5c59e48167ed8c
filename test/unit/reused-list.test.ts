import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReusedList } from '../../src/reused-list.js';

const build = <T>(previous: readonly T[], items: readonly T[]): readonly T[] => {
  const list = new ReusedList(previous, items.length);
  for (const item of items) list.add(item);
  return list.list;
};

describe('ReusedList', () => {
  const [a, b, c, d] = [{ n: 'a' }, { n: 'b' }, { n: 'c' }, { n: 'd' }];
  const previous = Object.freeze([a, b, c]);

  it('is the previous list itself when every item is the same object in the same place', () => {
    assert.equal(build(previous, [a, b, c]), previous);
    assert.equal(build([], []).length, 0);
  });

  it('is a new list, the previous one unwritten, when an item differs in any place', () => {
    for (const items of [
      [d, b, c],
      [a, d, c],
      [a, b, d],
      [b, a, c],
      [{ n: 'a' }, b, c],
    ]) {
      const list = build(previous, items);
      assert.notEqual(list, previous);
      assert.deepEqual(list, items);
    }
    assert.deepEqual(previous, [a, b, c]);
  });

  it('is a new list when the length differs, even with the same leading items', () => {
    assert.deepEqual(build(previous, [a, b]), [a, b]);
    assert.deepEqual(build(previous, [a, b, c, d]), [a, b, c, d]);
    assert.deepEqual(build([], [a]), [a]);
  });
});
