/**
 * What the job memory keeps on disk, and how it is read back: `<stateDir>/jobs.json`, the whole memory as of one
 * write, and `<stateDir>/jobs.journal`, the records that changed since that write (see journal.ts). The writer is
 * job-memory-file.ts; this is also what a start, the tests and anyone looking while it runs read.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { StateError } from '../errors.js';
import { JOB_STATES } from '../flink/job-state.js';
import { readJsonFile } from './atomic-file.js';
import { readJournal } from './journal.js';
import type { JobSighting, RememberedJob } from './job-memory.js';

export const JOB_MEMORY_FILE = 'jobs.json';
export const JOB_MEMORY_JOURNAL = 'jobs.journal';

const rememberedSchema = z.object({
  jobId: z.string().min(1),
  lastState: z.enum(JOB_STATES),
  checkpointPath: z.string().nullish(),
  seenAt: z.number(),
});

const fileSchema = z.object({
  version: z.literal(1),
  /**
   * Names this whole write; the journal names the one it follows. Random, so a journal left behind by a crash can
   * never match a later file. Absent in files of earlier releases.
   */
  writeId: z.string().min(1).optional(),
  clusters: z.record(z.string(), z.record(z.string(), rememberedSchema)),
});

/** One journal line: what is now remembered of a job, or (`seen: null`) that it is forgotten. */
const entrySchema = z.object({ cluster: z.string(), job: z.string(), seen: rememberedSchema.nullable() });

/** The whole file as written. */
export type FileShape = z.output<typeof fileSchema>;
/** One journal line as written. */
export type Entry = z.input<typeof entrySchema>;

/** A scrape's sighting as remembered at `seenAt`. */
export function remembered(job: JobSighting, seenAt: number): RememberedJob {
  return { jobId: job.jobId, lastState: job.lastState, checkpointPath: job.checkpointPath, seenAt };
}

/** A remembered job as the files hold it (no path is `null`, not absent). */
export function stored(job: RememberedJob): z.input<typeof rememberedSchema> {
  return { jobId: job.jobId, lastState: job.lastState, checkpointPath: job.checkpointPath ?? null, seenAt: job.seenAt };
}

function fromStored(job: z.output<typeof rememberedSchema>): RememberedJob {
  return remembered({ ...job, checkpointPath: job.checkpointPath ?? undefined }, job.seenAt);
}

export type JobMemoryRead =
  | {
      readonly kind: 'ok';
      /** Per cluster, per job name, what a start would remember: the whole file with the journal applied. */
      readonly clusters: ReadonlyMap<string, ReadonlyMap<string, RememberedJob>>;
      /** The id of the whole file's write, if it has one (see `fileSchema`). */
      readonly writeId: string | undefined;
      /** The whole file's size in bytes; 0 when there is none. */
      readonly bytes: number;
      /** `stale`: a journal the whole file already includes (a crash came between the two writes). */
      readonly journal: 'absent' | 'applied' | 'stale';
      /** The journal's last line was cut short (a crash while appending, never acknowledged) and is left out. */
      readonly tornLine: boolean;
    }
  | { readonly kind: 'corrupt'; readonly error: StateError };

/**
 * Reads `jobs.json` and its journal without changing anything: what the service remembers, for a start and for
 * anyone who wants to look while it runs. A corrupt file is named by the error's `file`.
 */
export async function readJobMemory(stateDir: string): Promise<JobMemoryRead> {
  const file = await readJsonFile(join(stateDir, JOB_MEMORY_FILE), fileSchema);
  if (file.kind === 'corrupt') return file;
  const journal = await readJournal(join(stateDir, JOB_MEMORY_JOURNAL), entrySchema);
  if (journal.kind === 'corrupt') return journal;
  const writeId = file.kind === 'ok' ? file.value.writeId : undefined;
  const clusters = new Map<string, Map<string, RememberedJob>>();
  const clusterOf = (name: string): Map<string, RememberedJob> => {
    const jobs = clusters.get(name) ?? new Map<string, RememberedJob>();
    clusters.set(name, jobs);
    return jobs;
  };
  if (file.kind === 'ok') {
    for (const [cluster, jobs] of Object.entries(file.value.clusters)) {
      const into = clusterOf(cluster);
      for (const [name, job] of Object.entries(jobs)) into.set(name, fromStored(job));
    }
  }
  const applies = journal.kind === 'ok' && journal.after === writeId;
  if (applies) {
    for (const entry of journal.entries) {
      if (entry.seen === null) clusters.get(entry.cluster)?.delete(entry.job);
      else clusterOf(entry.cluster).set(entry.job, fromStored(entry.seen));
    }
  }
  return {
    kind: 'ok',
    clusters,
    writeId,
    bytes: file.kind === 'ok' ? file.bytes : 0,
    journal: journal.kind === 'absent' ? 'absent' : applies ? 'applied' : 'stale',
    tornLine: journal.kind === 'ok' && journal.torn,
  };
}
