import type { Clock } from '../../src/clock.js';

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start = Date.parse('2026-11-21T10:00:00Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.current += ms;
  }

  /** Sets the clock to an absolute time. */
  set(ms: number): void {
    this.current = ms;
  }
}
