import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SingleFlight } from '../../../src/recovery/single-flight.js';

describe('SingleFlight', () => {
  it('concurrent callers of one key share the call in flight; other keys do not', async () => {
    const flight = new SingleFlight<string, number>();
    let calls = 0;
    let release: (v: number) => void = () => undefined;
    const fn = () => {
      calls += 1;
      return new Promise<number>((r) => (release = r));
    };
    const a = flight.run('prod', fn);
    const b = flight.run('prod', fn);
    assert.equal(calls, 1);
    const other = flight.run('stage', () => Promise.resolve(7));
    assert.equal(calls, 1);
    release(42);
    assert.deepEqual(await Promise.all([a, b, other]), [42, 42, 7]);
    assert.equal(flight.size, 0);
  });

  it('keeps nothing once the call settled: the next caller asks again, also after a failure', async () => {
    const flight = new SingleFlight<string, number>();
    let calls = 0;
    await assert.rejects(flight.run('prod', () => Promise.reject(new Error('down'))));
    assert.equal(await flight.run('prod', async () => ++calls), 1);
    assert.equal(await flight.run('prod', async () => ++calls), 2);
  });
});
