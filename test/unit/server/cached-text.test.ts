import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CachedText } from '../../../src/server/cached-text.js';

describe('cached text', () => {
  it('renders once until invalidated, then again', async () => {
    let renders = 0;
    const cached = new CachedText(async () => `text ${++renders}`);
    assert.equal(await cached.get(), 'text 1');
    assert.equal(await cached.get(), 'text 1');
    cached.invalidate();
    assert.equal(await cached.get(), 'text 2');
    assert.equal(renders, 2);
  });

  it('a change during a render makes the next get render again', async () => {
    let renders = 0;
    let release: () => void = () => undefined;
    const cached = new CachedText(
      () =>
        new Promise<string>((resolve) => {
          renders += 1;
          const n = renders;
          release = () => resolve(`text ${n}`);
        }),
    );
    const first = cached.get();
    cached.invalidate();
    release();
    assert.equal(await first, 'text 1');
    const second = cached.get();
    release();
    assert.equal(await second, 'text 2');
  });

  it('does not keep a failed render', async () => {
    let fail = true;
    const cached = new CachedText(async () => {
      if (fail) throw new Error('boom');
      return 'ok';
    });
    await assert.rejects(cached.get(), /boom/);
    fail = false;
    assert.equal(await cached.get(), 'ok');
  });
});
