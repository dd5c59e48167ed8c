/**
 * Timers as a dependency, so the episode scheduler can be driven by hand in unit tests instead of slept on
 * (ManualTimers in test/support/timers.ts).
 */

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
