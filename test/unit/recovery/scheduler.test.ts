import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../support/clock.js';
import { Scheduler } from '../../../src/recovery/scheduler.js';
import { ManualTimers } from '../../support/timers.js';

describe('Scheduler', () => {
  const make = () => {
    const clock = new ManualClock();
    const timers = new ManualTimers(clock);
    const fired: string[] = [];
    const scheduler = new Scheduler(timers, clock, 10, (_c, _j, work) => void work());
    const job = (what: string) => async () => void fired.push(what);
    return { clock, timers, fired, scheduler, job };
  };

  it('keeps one timer per job and purpose: a purpose replaces only its own', () => {
    const { clock, timers, fired, scheduler, job } = make();
    scheduler.at('episode', 'prod', 'orders', clock.now() + 1_000, job('watch'));
    scheduler.at('intake', 'prod', 'orders', clock.now() + 100, job('retry-1'));
    scheduler.at('intake', 'prod', 'orders', clock.now() + 200, job('retry-2'));
    assert.equal(timers.size, 2);
    timers.advance(2_000);
    assert.deepEqual(fired, ['retry-2', 'watch']);
  });

  it('fires on the wake grid, never early', () => {
    const { clock, timers, fired, scheduler, job } = make();
    const at = clock.now() + 1_003;
    scheduler.at('episode', 'prod', 'orders', at, job('watch'));
    assert.equal(timers.nextAt(), Math.ceil(at / 10) * 10);
    timers.advance(2_000);
    assert.deepEqual(fired, ['watch']);
  });

  it('caps a delay setTimeout cannot hold (a 30-day cooldown must not fire at once, nor loop)', () => {
    const { clock, timers, scheduler, job } = make();
    scheduler.at('episode', 'prod', 'orders', clock.now() + 30 * 86_400_000, job('watch'));
    const next = timers.nextAt() ?? 0;
    assert.ok(next - clock.now() <= 2 ** 31 - 1 && next - clock.now() > 20 * 86_400_000, String(next - clock.now()));
  });

  it('cancelAll leaves no timer', () => {
    const { clock, timers, scheduler, job } = make();
    scheduler.at('episode', 'prod', 'a', clock.now() + 10, job('a'));
    scheduler.at('intake', 'prod', 'b', clock.now() + 10, job('b'));
    scheduler.cancelAll();
    assert.equal(timers.size, 0);
  });
});
