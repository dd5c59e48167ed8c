/**
 * Jobs an operator paused through the API (`<stateDir>/paused.json`): no recovery of them until resumed. It
 * outlives restarts and Alertmanager silences alike; writes are atomic, and a file that cannot be read stops
 * the start (a pause silently lost would resubmit a job someone chose to keep down) unless startEmpty.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { errorMessage, StateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { readJsonFile, writeJsonAtomic } from '../../state/atomic-file.js';
import { jobKey } from './episodes.js';

export const pauseSchema = z.object({
  cluster: z.string().min(1),
  jobName: z.string().min(1),
  /** Unix milliseconds. */
  since: z.number(),
});

export const pausesFileSchema = z.object({ version: z.literal(1), paused: z.array(pauseSchema) });

export type Pause = z.output<typeof pauseSchema>;

export class PauseStore {
  private readonly byJob = new Map<string, Pause>();
  /** Writes run one after another, each of the whole (small) file, so the last one holds the latest set. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(readonly file: string) {}

  static async open(stateDir: string, options: { startEmpty?: boolean; logger?: Logger } = {}): Promise<PauseStore> {
    const store = new PauseStore(join(stateDir, 'paused.json'));
    const read = await readJsonFile(store.file, pausesFileSchema);
    if (read.kind === 'ok') for (const p of read.value.paused) store.byJob.set(jobKey(p.cluster, p.jobName), p);
    if (read.kind === 'corrupt') {
      if (options.startEmpty !== true) throw read.error;
      const aside = `${store.file}.corrupt-${Date.now()}`;
      try {
        await rename(store.file, aside);
      } catch (err) {
        throw new StateError('STATE_WRITE_FAILED', store.file, `cannot move it aside: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      options.logger?.warn({ file: store.file, moved_to: aside }, 'paused jobs unreadable; starting without them');
    }
    return store;
  }

  get(cluster: string, jobName: string): Pause | undefined {
    return this.byJob.get(jobKey(cluster, jobName));
  }

  all(): Pause[] {
    return [...this.byJob.values()];
  }

  /** Pauses a job (durably, before it resolves); pausing a paused job keeps its first `since`. */
  async pause(cluster: string, jobName: string, now: number): Promise<Pause> {
    const existing = this.get(cluster, jobName);
    if (existing !== undefined) return existing;
    const p: Pause = { cluster, jobName, since: now };
    this.byJob.set(jobKey(cluster, jobName), p);
    try {
      await this.persist();
    } catch (err) {
      this.byJob.delete(jobKey(cluster, jobName)); // not durable, so not paused
      throw err;
    }
    return p;
  }

  /** Resumes a job; false when it was not paused. */
  async resume(cluster: string, jobName: string): Promise<boolean> {
    const p = this.get(cluster, jobName);
    if (p === undefined) return false;
    this.byJob.delete(jobKey(cluster, jobName));
    try {
      await this.persist();
    } catch (err) {
      this.byJob.set(jobKey(cluster, jobName), p); // still paused on disk, so still paused
      throw err;
    }
    return true;
  }

  private persist(): Promise<void> {
    const next = this.writing.then(() => writeJsonAtomic(this.file, { version: 1, paused: this.all() }));
    this.writing = next.catch(() => undefined);
    return next;
  }
}
