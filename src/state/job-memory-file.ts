/**
 * JobMemory kept in `<stateDir>/jobs.json`, written atomically. A write happens only when a job's JobID, state
 * or checkpoint path changed (not for `seenAt` alone), so steady scrapes do not fsync every 15 seconds.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { JOB_STATES } from '../flink/job-state.js';
import { readJsonFile, writeJsonAtomic } from './atomic-file.js';
import type { JobMemory, RememberedJob } from './job-memory.js';

const rememberedSchema = z.object({
  jobId: z.string().min(1),
  lastState: z.enum(JOB_STATES),
  checkpointPath: z.string().nullish(),
  seenAt: z.number(),
});

const fileSchema = z.object({
  version: z.literal(1),
  clusters: z.record(z.string(), z.record(z.string(), rememberedSchema)),
});

type FileShape = z.output<typeof fileSchema>;

function same(a: RememberedJob | undefined, b: RememberedJob): boolean {
  return a !== undefined && a.jobId === b.jobId && a.lastState === b.lastState && a.checkpointPath === b.checkpointPath;
}

export class FileJobMemory implements JobMemory {
  /** cluster → job name → record. */
  private readonly jobs = new Map<string, Map<string, RememberedJob>>();
  /** Writes run one after another so an older state never lands after a newer one. */
  private writes: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(readonly file: string) {}

  /**
   * Opens `<stateDir>/jobs.json`. A missing file is an empty memory; a corrupt one rejects with the
   * StateError naming the file, unless `startEmpty` (the operator chose to lose it).
   */
  static async open(stateDir: string, options: { startEmpty?: boolean } = {}): Promise<FileJobMemory> {
    const memory = new FileJobMemory(join(stateDir, 'jobs.json'));
    const read = await readJsonFile(memory.file, fileSchema);
    if (read.kind === 'corrupt' && options.startEmpty !== true) throw read.error;
    if (read.kind === 'ok') memory.load(read.value);
    return memory;
  }

  private load(data: FileShape): void {
    for (const [cluster, jobs] of Object.entries(data.clusters)) {
      const map = new Map<string, RememberedJob>();
      for (const [name, job] of Object.entries(jobs)) {
        map.set(name, {
          jobId: job.jobId,
          lastState: job.lastState,
          checkpointPath: job.checkpointPath ?? undefined,
          seenAt: job.seenAt,
        });
      }
      this.jobs.set(cluster, map);
    }
  }

  get(cluster: string, jobName: string): RememberedJob | undefined {
    return this.jobs.get(cluster)?.get(jobName);
  }

  /** Merges one scrape's view of a cluster; jobs it did not see stay remembered (that is the point). */
  async record(cluster: string, jobs: ReadonlyMap<string, RememberedJob>): Promise<void> {
    let map = this.jobs.get(cluster);
    if (map === undefined) {
      map = new Map();
      this.jobs.set(cluster, map);
    }
    let changed = false;
    for (const [name, job] of jobs) {
      if (!same(map.get(name), job)) changed = true;
      map.set(name, job);
    }
    // After a failed write the file lags behind memory: write again even if this scrape changed nothing.
    if (!changed && !this.dirty) return;
    this.dirty = true;
    const snapshot = this.serialise();
    const write = this.writes
      .catch(() => undefined)
      .then(() => writeJsonAtomic(this.file, snapshot))
      .then(() => {
        if (this.writes === write) this.dirty = false;
      });
    this.writes = write;
    await write;
  }

  private serialise(): FileShape {
    const clusters: FileShape['clusters'] = {};
    for (const [cluster, jobs] of [...this.jobs].sort(([a], [b]) => a.localeCompare(b))) {
      const out: Record<string, z.output<typeof rememberedSchema>> = {};
      for (const [name, job] of [...jobs].sort(([a], [b]) => a.localeCompare(b))) {
        out[name] = {
          jobId: job.jobId,
          lastState: job.lastState,
          checkpointPath: job.checkpointPath ?? null,
          seenAt: job.seenAt,
        };
      }
      clusters[cluster] = out;
    }
    return { version: 1, clusters };
  }
}
