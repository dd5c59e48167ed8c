import type { TimerHandle, Timers } from '../../src/recovery/timers.js';
import type { ManualClock } from './clock.js';

/** Timers that fire only when the test moves the ManualClock through them with `advance`. */
export class ManualTimers implements Timers {
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  private next = 1;

  constructor(private readonly clock: ManualClock) {}

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.next++;
    this.pending.set(id, { at: this.clock.now() + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle.id);
  }

  /** Timers not yet fired. */
  get size(): number {
    return this.pending.size;
  }

  /** When the earliest pending timer is due, if any. */
  nextAt(): number | undefined {
    let best: number | undefined;
    for (const t of this.pending.values()) if (best === undefined || t.at < best) best = t.at;
    return best;
  }

  /** Fires every timer due now, in due order. */
  fireDue(): number {
    let fired = 0;
    for (;;) {
      const due = [...this.pending.entries()]
        .filter(([, t]) => t.at <= this.clock.now())
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) return fired;
      this.pending.delete(due[0]);
      due[1].fn();
      fired += 1;
    }
  }

  /** Moves the clock by `ms`, firing timers at their due times along the way. */
  advance(ms: number): void {
    const end = this.clock.now() + ms;
    for (;;) {
      const at = this.nextAt();
      if (at === undefined || at > end) break;
      if (at > this.clock.now()) this.clock.set(at);
      this.fireDue();
    }
    this.clock.set(end);
  }
}
