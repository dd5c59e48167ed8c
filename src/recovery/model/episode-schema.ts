/**
 * The shape of a job's episode file (`<stateDir>/episodes/<cluster>/<job>.json`): the job's latest recovery
 * episode, open or ended; and of the older single `<stateDir>/episodes.json`, which is still read once. It is
 * the single source of the Episode types the recoverer works with, so what is written is what is read back.
 */
import { z } from 'zod';
import { ATTEMPT_FAILURES, FAILURE_TIME_SOURCES, OUTCOMES, RESTORE_FROM, TRIGGERS } from './reasons.js';

const jobId = z.string().regex(/^[0-9a-f]{32}$/, { message: 'expected 32 lower-case hex characters' });
const root = z.string().regex(/^[0-9a-f]{20}$/, { message: 'expected 20 lower-case hex characters' });

/** The newest root exception of a failed instance of the episode, as Flink recorded it (bounded). */
export const rootCauseSchema = z.object({
  exceptionClass: z.string().optional(),
  message: z.string(),
  failureLabels: z.record(z.string(), z.string()),
  at: z.number().optional(),
  /** The instance it was read from. */
  jobId,
});

export const attemptSchema = z.object({
  n: z.int().min(1),
  jobId,
  restoreFrom: z.enum(RESTORE_FROM),
  restorePath: z.string().optional(),
  /** When the intent was written (before the first POST). */
  startedAt: z.number(),
  /** POSTs made (or about to be made) for this attempt; the same JobID each time. */
  submitTries: z.int().min(0),
  submittedAt: z.number().optional(),
  runningAt: z.number().optional(),
  endedAt: z.number().optional(),
  result: z.enum(['pending', 'succeeded', 'failed']),
  /** Made by another replica (or an earlier life of this one) and read from Flink's list, not submitted here. */
  adopted: z.boolean().optional(),
  failure: z.enum(ATTEMPT_FAILURES).optional(),
  detail: z.string().optional(),
});

/**
 * Files written before episodes had a root carry `baseJobId`, the full JobID the root is the head of; before the
 * failure moment had a source, a missing job's was the episode's opening and a failed job's its end-time.
 */
function migrate(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const { baseJobId, ...rest } = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest };
  if (!('root' in out) && typeof baseJobId === 'string') out.root = baseJobId.toLowerCase().slice(0, 20);
  if (!('failureTimeSource' in out)) out.failureTimeSource = out.trigger === 'missing' ? 'episode_open' : 'end_time';
  return out;
}

const episodeObject = z.object({
  id: z.string().min(1),
  cluster: z.string().min(1),
  jobName: z.string().min(1),
  trigger: z.enum(TRIGGERS),
  /** The FAILED instance that opened the episode; absent for a missing job. */
  failedJobId: z.string().optional(),
  /** A missing job's instance that the exporter last saw (its checkpoints may be scanned for); absent if unknown. */
  lostJobId: jobId.optional(),
  /** Head of the JobID whose failure opened the episode: attempt JobIDs carry it, so any replica derives them. */
  root,
  /** The failure moment: time to recover counts from here. */
  failedAt: z.number(),
  /** Where failedAt came from. */
  failureTimeSource: z.enum(FAILURE_TIME_SOURCES),
  openedAt: z.number(),
  status: z.enum(['open', 'exhausted', 'closed']),
  phase: z.enum(['waiting', 'submitting', 'verifying', 'running']),
  nextAttemptAt: z.number(),
  runningSince: z.number().optional(),
  attempts: z.array(attemptSchema),
  /** Why the job died, from the newest failed instance of the episode; absent when Flink recorded nothing. */
  rootCause: rootCauseSchema.optional(),
  /** Restore paths Flink refused in this episode: never offered again. */
  refusedPaths: z.array(z.string()),
  outcome: z.enum(OUTCOMES).optional(),
  endReason: z.string().optional(),
  endedAt: z.number().optional(),
  clearedAt: z.number().optional(),
  clearReason: z.string().optional(),
});

export const episodeSchema = z.preprocess(migrate, episodeObject);

export const episodesFileSchema = z.object({
  version: z.literal(1),
  episodes: z.array(episodeSchema),
});

/** One job's file. */
export const episodeFileSchema = z.object({
  version: z.literal(1),
  episode: episodeSchema,
});

export type Attempt = z.output<typeof attemptSchema>;
export type EpisodeRootCause = z.output<typeof rootCauseSchema>;
export type Episode = z.output<typeof episodeSchema>;
export type EpisodesFile = z.output<typeof episodesFileSchema>;
