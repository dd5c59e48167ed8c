/**
 * Timers as a dependency, so the episode scheduler can be driven by hand in unit tests instead of slept on.
 * ManualTimers lives here (not under test/) because it pairs with ManualClock from src/clock.ts.
 */
import type { ManualClock } from '../clock.js';

export interface TimerHandle {
  readonly id: number;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The event loop's timers; unref'd so a pending retry never keeps a stopping process alive. */
export function systemTimers(): Timers {
  const live = new Map<number, NodeJS.Timeout>();
  let next = 1;
  return {
    setTimeout(fn, ms) {
      const id = next++;
      const t = setTimeout(
        () => {
          live.delete(id);
          fn();
        },
        Math.max(0, ms),
      );
      t.unref();
      live.set(id, t);
      return { id };
    },
    clearTimeout(handle) {
      const t = live.get(handle.id);
      if (t !== undefined) clearTimeout(t);
      live.delete(handle.id);
    },
  };
}

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
