/**
 * JobMemory kept in `<stateDir>/jobs.json`, written atomically. A write happens when a job's JobID, state or
 * checkpoint path changed, when a job that the previous scrape listed is gone (so the moment it was last seen is
 * on disk before anyone asks for it), when the newest `seenAt` on disk is `seenFlushMs` old, and at shutdown:
 * steady scrapes do not fsync every 15 seconds, and a restart loses at most `seenFlushMs` of `seenAt`.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { JOB_STATES } from '../flink/job-state.js';
import { StateError } from '../errors.js';
import type { Logger } from '../log.js';
import { moveAside, readJsonFile, removeLeftoverTemps, writeJsonAtomic } from './atomic-file.js';
import { sameSighting, type JobMemory, type JobSighting, type RememberedJob } from './job-memory.js';

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

/** How long a newer `seenAt` may stay in memory only, while nothing else changes. */
export const SEEN_FLUSH_MS = 60_000;

export interface FileJobMemoryOptions {
  /** A corrupt file is moved aside and the memory starts empty, instead of refusing to start. */
  readonly startEmpty?: boolean;
  readonly logger?: Logger;
  readonly seenFlushMs?: number;
  /**
   * Whether a job is remembered after Flink stops listing it (the catalog: what is read of a vanished job is
   * whether it was stopped on purpose and where its state is). Others are forgotten then, so that jobs that come
   * and go under new names do not grow the file without bound. Every job by default.
   */
  readonly keep?: (cluster: string, jobName: string) => boolean;
}

function remembered(job: JobSighting, seenAt: number): RememberedJob {
  return { jobId: job.jobId, lastState: job.lastState, checkpointPath: job.checkpointPath, seenAt };
}

/**
 * One cluster's memory. The jobs of the last scrape are kept as that scrape handed them in, with one `seenAt` for
 * all: a steady scrape of 10,000 jobs then records by replacing one number, not 10,000 records.
 */
interface ClusterMemory {
  /** What the last record listed, at `listedAt`. */
  listed: ReadonlyMap<string, JobSighting>;
  listedAt: number;
  /** Jobs the last record did not list (read from the file at start, or vanished since), each with its seenAt. */
  readonly gone: Map<string, RememberedJob>;
}

function newestSeen(memory: ClusterMemory): number | undefined {
  let newest = memory.listed.size > 0 ? memory.listedAt : undefined;
  for (const job of memory.gone.values()) if (newest === undefined || job.seenAt > newest) newest = job.seenAt;
  return newest;
}

export class FileJobMemory implements JobMemory {
  private readonly clusters = new Map<string, ClusterMemory>();
  /** Per cluster, the newest `seenAt` that the last write (or the file at start) holds. */
  private readonly writtenSeen = new Map<string, number>();
  /** Writes run one after another so an older state never lands after a newer one. */
  private writes: Promise<void> = Promise.resolve();
  /** Memory changes counted, and the count the file holds: they differ while something is not on disk. */
  private changes = 0;
  private savedChanges = 0;
  /** The last write failed: the next record writes even if it changed nothing. */
  private failed = false;
  private readonly seenFlushMs: number;
  private readonly keep: (cluster: string, jobName: string) => boolean;

  private constructor(
    readonly file: string,
    options: FileJobMemoryOptions,
  ) {
    this.seenFlushMs = options.seenFlushMs ?? SEEN_FLUSH_MS;
    this.keep = options.keep ?? (() => true);
  }

  /**
   * Opens `<stateDir>/jobs.json`, removing temporary files that a killed write left. A missing file is an empty
   * memory; a corrupt one rejects with the StateError naming the file, unless `startEmpty` (the operator chose
   * to lose it), which moves it aside: the next write must not overwrite what a person may need.
   */
  static async open(stateDir: string, options: FileJobMemoryOptions = {}): Promise<FileJobMemory> {
    const memory = new FileJobMemory(join(stateDir, 'jobs.json'), options);
    for (const removed of await removeLeftoverTemps(stateDir, 'jobs.json')) {
      options.logger?.info({ file: removed }, 'removed the temporary file of an interrupted write');
    }
    const read = await readJsonFile(memory.file, fileSchema);
    if (read.kind === 'corrupt') {
      if (options.startEmpty !== true) throw read.error;
      const aside = await moveAside(memory.file);
      options.logger?.warn(
        { file: memory.file, moved_to: aside ?? null, error: read.error.message },
        'job memory unreadable; starting without it',
      );
    }
    if (read.kind === 'ok') memory.load(read.value);
    return memory;
  }

  private clusterOf(cluster: string): ClusterMemory {
    let memory = this.clusters.get(cluster);
    if (memory === undefined) {
      memory = { listed: new Map(), listedAt: 0, gone: new Map() };
      this.clusters.set(cluster, memory);
    }
    return memory;
  }

  private load(data: FileShape): void {
    for (const [cluster, jobs] of Object.entries(data.clusters)) {
      const memory = this.clusterOf(cluster);
      for (const [name, job] of Object.entries(jobs)) {
        // Whether Flink still lists it is not known before the first scrape, which records it again if so.
        if (!this.keep(cluster, name)) {
          this.changes++;
          continue;
        }
        memory.gone.set(name, remembered({ ...job, checkpointPath: job.checkpointPath ?? undefined }, job.seenAt));
      }
      const seen = newestSeen(memory);
      if (seen !== undefined) this.writtenSeen.set(cluster, seen);
    }
  }

  get(cluster: string, jobName: string): RememberedJob | undefined {
    const memory = this.clusters.get(cluster);
    if (memory === undefined) return undefined;
    const listed = memory.listed.get(jobName);
    return listed === undefined ? memory.gone.get(jobName) : remembered(listed, memory.listedAt);
  }

  /** Merges one scrape's view of a cluster; jobs it did not see stay remembered (that is the point). */
  async record(cluster: string, jobs: ReadonlyMap<string, JobSighting>, seenAt: number): Promise<void> {
    const memory = this.clusterOf(cluster);
    let changed = false;
    let vanished = false;
    if (jobs !== memory.listed) {
      for (const [name, job] of jobs) {
        const before = memory.listed.get(name) ?? memory.gone.get(name);
        if (!sameSighting(before, job.jobId, job.lastState, job.checkpointPath)) changed = true;
        memory.gone.delete(name);
      }
      for (const [name, job] of memory.listed) {
        if (jobs.has(name)) continue;
        vanished = true;
        if (this.keep(cluster, name)) memory.gone.set(name, remembered(job, memory.listedAt));
      }
      memory.listed = jobs;
    }
    if (jobs.size > 0) {
      memory.listedAt = seenAt;
      this.changes++;
    }
    const seen = jobs.size > 0 ? seenAt : undefined;
    const written = this.writtenSeen.get(cluster);
    // Either direction: a clock set back must not silence the writes until it catches up.
    const due = seen !== undefined && (written === undefined || Math.abs(seen - written) >= this.seenFlushMs);
    if (changed || vanished || due || this.failed) await this.write();
  }

  /**
   * Writes what is only in memory (the latest `seenAt`s); for shutdown. Rejects when the write fails or has
   * not finished within `timeoutMs`: a hung disk must not hold a stop for longer.
   */
  async flush(timeoutMs = 5000): Promise<void> {
    const write = this.changes !== this.savedChanges || this.failed ? this.write() : this.writes;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StateError('STATE_WRITE_FAILED', this.file, `no write finished within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([write, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private write(): Promise<void> {
    const snapshot = this.serialise();
    const changes = this.changes;
    for (const [cluster, memory] of this.clusters) {
      const seen = newestSeen(memory);
      if (seen !== undefined) this.writtenSeen.set(cluster, seen);
    }
    const write = this.writes
      .catch(() => undefined)
      .then(() => writeJsonAtomic(this.file, snapshot))
      .then(
        () => {
          this.failed = false;
          this.savedChanges = Math.max(this.savedChanges, changes);
        },
        (err: unknown) => {
          this.failed = true;
          throw err;
        },
      );
    this.writes = write;
    return write;
  }

  private serialise(): FileShape {
    const clusters: FileShape['clusters'] = {};
    for (const [cluster, memory] of [...this.clusters].sort(([a], [b]) => a.localeCompare(b))) {
      const jobs = new Map(memory.gone);
      for (const [name, job] of memory.listed) jobs.set(name, remembered(job, memory.listedAt));
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
