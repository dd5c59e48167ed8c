/**
 * The recoverer's one scheduler: at most one timer per job and purpose (the retry of an alert Flink could not
 * judge, and the watch of the job's episode), never one replacing the other. Wake-ups fall on a grid, so the
 * episodes of a cluster that wake in one slot share one `/jobs/overview`.
 */
import type { Clock } from '../clock.js';
import { jobKey } from './store/episodes.js';
import { wakeSlot } from './model/timing.js';
import type { TimerHandle, Timers } from './timers.js';

/**
 * The longest delay setTimeout holds (2^31 − 1 ms, about 24.8 days): a longer one fires at once. A wake-up capped
 * to it is early, which is harmless: the step it runs decides again and waits again.
 */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** What a timer is for: each job has at most one of each. */
export type TimerPurpose = 'intake' | 'episode';

export class Scheduler {
  private readonly handles = new Map<string, TimerHandle>();

  /** `fire` runs the work of a due timer (under the job's lock, if the recoverer still runs). */
  constructor(
    private readonly timers: Timers,
    private readonly clock: Clock,
    private readonly grid: number,
    private readonly fire: (cluster: string, jobName: string, work: () => Promise<void>) => void,
  ) {}

  /** Runs `work` at the first slot of the grid at or after `at`, replacing the job's timer of that purpose. */
  at(purpose: TimerPurpose, cluster: string, jobName: string, at: number, work: () => Promise<void>): void {
    const key = `${purpose}\u0000${jobKey(cluster, jobName)}`;
    this.cancel(purpose, cluster, jobName);
    const handle = this.timers.setTimeout(
      () => {
        if (this.handles.get(key) === handle) this.handles.delete(key);
        this.fire(cluster, jobName, work);
      },
      Math.min(MAX_DELAY_MS, Math.max(0, wakeSlot(at, this.grid) - this.clock.now())),
    );
    this.handles.set(key, handle);
  }

  cancel(purpose: TimerPurpose, cluster: string, jobName: string): void {
    const key = `${purpose}\u0000${jobKey(cluster, jobName)}`;
    const handle = this.handles.get(key);
    if (handle !== undefined) this.timers.clearTimeout(handle);
    this.handles.delete(key);
  }

  cancelAll(): void {
    for (const handle of this.handles.values()) this.timers.clearTimeout(handle);
    this.handles.clear();
  }
}
