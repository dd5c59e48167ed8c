import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Semaphore } from '../../../src/flink/semaphore.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('semaphore', () => {
  it('runs at most `permits` tasks at once, the waiting ones in arrival order', async () => {
    const sem = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const results = Array.from({ length: 6 }, (_, i) =>
      sem.run(async () => {
        started.push(i);
        running += 1;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
        return i;
      }),
    );
    while (started.length < 6) {
      await tick();
      assert.ok(running <= 2);
      releases.shift()?.();
    }
    for (const release of releases) release();
    assert.deepEqual(await Promise.all(results), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
    assert.equal(peak, 2);
  });

  it('gives the permit back when a task rejects or throws before returning a promise', async () => {
    const sem = new Semaphore(1);
    await assert.rejects(
      sem.run(() => Promise.reject(new Error('rejected'))),
      /rejected/,
    );
    await assert.rejects(
      sem.run(() => {
        throw new Error('thrown');
      }),
      /thrown/,
    );
    assert.equal(await sem.run(async () => 'still usable'), 'still usable');
  });
});
