/**
 * JobMemory kept in `<stateDir>/jobs.json`, written whole and atomically, and `<stateDir>/jobs.journal`, the
 * records that changed since (see journal.ts). A change of a job's JobID, state or checkpoint path, and a job
 * that the previous scrape listed being gone (so the moment it was last seen is on disk before anyone asks for
 * it), is appended to the journal at once: on a cluster where checkpoints complete between most scrapes, a
 * scrape writes what moved, not every job. The whole file is written again when the newest `seenAt` in it is
 * `seenFlushMs` old, when the journal has grown to the file's size, after a failed write, at the first write
 * after a start that found a journal, and at shutdown: steady scrapes do not fsync every 15 seconds, a restart
 * loses at most `seenFlushMs` of `seenAt`, and reading the journal at start costs at most about what reading the
 * file does.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { StateError } from '../errors.js';
import type { Logger } from '../log.js';
import { jsonFileText, moveAside, removeLeftoverTemps, writeTextAtomic } from './atomic-file.js';
import { appendJournal, removeJournal, startJournal } from './journal.js';
import {
  type Entry,
  type FileShape,
  JOB_MEMORY_FILE,
  JOB_MEMORY_JOURNAL,
  type JobMemoryRead,
  readJobMemory,
  remembered,
  stored,
} from './job-memory-on-disk.js';
import { sameSighting, type JobMemory, type JobSighting, type RememberedJob } from './job-memory.js';

/** How long a newer `seenAt` may stay in memory only, while nothing else changes. */
export const SEEN_FLUSH_MS = 60_000;

/** Below this the journal is not compacted even when the whole file is smaller: a small file is cheap to read. */
const JOURNAL_FLOOR_BYTES = 64 * 1024;

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
  /** Per cluster, the newest `seenAt` that the last whole write (or the file at start) holds. */
  private readonly writtenSeen = new Map<string, number>();
  /** Writes run one after another so an older state never lands after a newer one. */
  private writes: Promise<void> = Promise.resolve();
  /** Memory changes counted, and the count the whole file holds: they differ while a `seenAt` is not on disk. */
  private changes = 0;
  private savedChanges = 0;
  /** The last write failed: the next record writes the whole file even if it changed nothing. */
  private failed = false;
  /** The id of the whole file on disk, its size, and the size of the journal that follows it, if any. */
  private writeId: string | undefined;
  private fileBytes = 0;
  private journalBytes: number | undefined;
  /** A journal was found at start: it may end in a torn line, which nothing may be appended after. */
  private journalAtStart = false;
  private readonly journal: string;
  private readonly seenFlushMs: number;
  private readonly keep: (cluster: string, jobName: string) => boolean;

  private constructor(
    readonly file: string,
    options: FileJobMemoryOptions,
  ) {
    this.journal = join(file, '..', JOB_MEMORY_JOURNAL);
    this.seenFlushMs = options.seenFlushMs ?? SEEN_FLUSH_MS;
    this.keep = options.keep ?? (() => true);
  }

  /**
   * Opens `<stateDir>/jobs.json` and its journal, removing temporary files that a killed write left. A missing
   * file is an empty memory; a corrupt one (the file or the journal) rejects with the StateError naming it,
   * unless `startEmpty` (the operator chose to lose it), which moves it aside: the next write must not overwrite
   * what a person may need. A corrupt file takes its journal aside with it; a corrupt journal leaves the file.
   */
  static async open(stateDir: string, options: FileJobMemoryOptions = {}): Promise<FileJobMemory> {
    const memory = new FileJobMemory(join(stateDir, JOB_MEMORY_FILE), options);
    for (const removed of await removeLeftoverTemps(stateDir, JOB_MEMORY_FILE)) {
      options.logger?.info({ file: removed }, 'removed the temporary file of an interrupted write');
    }
    let read = await readJobMemory(stateDir);
    if (read.kind === 'corrupt') {
      if (options.startEmpty !== true) throw read.error;
      const aside = read.error.file === memory.journal ? [memory.journal] : [memory.file, memory.journal];
      for (const file of aside) {
        const moved = await moveAside(file);
        options.logger?.warn(
          { file, moved_to: moved ?? null, error: read.error.message },
          'job memory unreadable; starting without it',
        );
      }
      read = await readJobMemory(stateDir);
      if (read.kind === 'corrupt') throw read.error;
    }
    if (read.tornLine) {
      options.logger?.info(
        { file: memory.journal },
        'left out the journal line a crash cut short (its scrape had not answered)',
      );
    }
    memory.load(read);
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

  private load(read: Extract<JobMemoryRead, { kind: 'ok' }>): void {
    this.writeId = read.writeId;
    this.fileBytes = read.bytes;
    this.journalAtStart = read.journal !== 'absent';
    for (const [cluster, jobs] of read.clusters) {
      const memory = this.clusterOf(cluster);
      for (const [name, job] of jobs) {
        // Whether Flink still lists it is not known before the first scrape, which records it again if so.
        if (!this.keep(cluster, name)) {
          this.changes++;
          continue;
        }
        memory.gone.set(name, job);
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
    const entries: Entry[] = [];
    if (jobs !== memory.listed) {
      for (const [name, job] of jobs) {
        const before = memory.listed.get(name) ?? memory.gone.get(name);
        if (!sameSighting(before, job.jobId, job.lastState, job.checkpointPath)) {
          entries.push({ cluster, job: name, seen: stored(remembered(job, seenAt)) });
        }
        memory.gone.delete(name);
      }
      for (const [name, job] of memory.listed) {
        if (jobs.has(name)) continue;
        if (this.keep(cluster, name)) {
          const last = remembered(job, memory.listedAt);
          memory.gone.set(name, last);
          entries.push({ cluster, job: name, seen: stored(last) });
        } else {
          entries.push({ cluster, job: name, seen: null });
        }
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
    const full = this.journalBytes !== undefined && this.journalBytes >= Math.max(this.fileBytes, JOURNAL_FLOOR_BYTES);
    if (due || full || this.mustWriteWhole()) await this.persist('whole');
    else if (entries.length > 0) await this.persist(entries);
  }

  /**
   * Writes what is only in memory (the latest `seenAt`s, the journal's records) as the whole file; for shutdown.
   * Rejects when the write fails or has not finished within `timeoutMs`: a hung disk must not hold a stop for
   * longer.
   */
  async flush(timeoutMs = 5000): Promise<void> {
    const write = this.persist('if-needed');
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

  /** Appending is not safe: there is no whole file to follow, or the journal may end in a torn line. */
  private mustWriteWhole(): boolean {
    return this.writeId === undefined || this.failed || this.journalAtStart;
  }

  /**
   * Queues a write behind the others. What it writes is decided when its turn comes, from the memory as it then
   * is: after a failed write nothing is appended to a journal that may end in a torn line.
   */
  private persist(what: 'whole' | 'if-needed' | readonly Entry[]): Promise<void> {
    const write = this.writes
      .catch(() => undefined)
      .then(async () => {
        const unsaved = this.changes !== this.savedChanges || this.journalBytes !== undefined;
        const after = this.mustWriteWhole() ? undefined : this.writeId;
        if (what === 'whole' || after === undefined) {
          await this.writeWhole();
        } else if (what === 'if-needed') {
          if (unsaved) await this.writeWhole();
        } else if (this.journalBytes === undefined) {
          this.journalBytes = await startJournal(this.journal, after, what);
        } else {
          this.journalBytes += await appendJournal(this.journal, what);
        }
        this.failed = false;
      })
      .catch((err: unknown) => {
        this.failed = true;
        throw err;
      });
    this.writes = write;
    return write;
  }

  private async writeWhole(): Promise<void> {
    const changes = this.changes;
    const writeId = randomBytes(8).toString('hex');
    const seen = new Map<string, number>();
    for (const [cluster, memory] of this.clusters) {
      const newest = newestSeen(memory);
      if (newest !== undefined) seen.set(cluster, newest);
    }
    const text = jsonFileText(this.serialise(writeId));
    await writeTextAtomic(this.file, text);
    this.fileBytes = Buffer.byteLength(text);
    this.writeId = writeId;
    this.journalBytes = undefined;
    this.journalAtStart = false;
    this.savedChanges = Math.max(this.savedChanges, changes);
    for (const [cluster, newest] of seen) this.writtenSeen.set(cluster, newest);
    await removeJournal(this.journal);
  }

  private serialise(writeId: string): FileShape {
    const clusters: FileShape['clusters'] = {};
    for (const [cluster, memory] of [...this.clusters].sort(([a], [b]) => a.localeCompare(b))) {
      const jobs = new Map(memory.gone);
      for (const [name, job] of memory.listed) jobs.set(name, remembered(job, memory.listedAt));
      const out: FileShape['clusters'][string] = {};
      for (const [name, job] of [...jobs].sort(([a], [b]) => a.localeCompare(b))) out[name] = stored(job);
      clusters[cluster] = out;
    }
    return { version: 1, writeId, clusters };
  }
}
