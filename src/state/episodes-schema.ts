/**
 * The shape of a job's episode file (`<stateDir>/episodes/<cluster>/<job>.json`): the job's latest recovery
 * episode, open or ended; and of the older single `<stateDir>/episodes.json`, which is still read once. It is
 * the single source of the Episode types the recoverer works with, so what is written is what is read back.
 */
import { z } from 'zod';
import { ATTEMPT_FAILURES, OUTCOMES, RESTORE_FROM, TRIGGERS } from '../recovery/reasons.js';

const jobId = z.string().regex(/^[0-9a-f]{32}$/, { message: 'expected 32 lower-case hex characters' });

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
  failure: z.enum(ATTEMPT_FAILURES).optional(),
  detail: z.string().optional(),
});

export const episodeSchema = z.object({
  id: z.string().min(1),
  cluster: z.string().min(1),
  jobName: z.string().min(1),
  trigger: z.enum(TRIGGERS),
  /** The FAILED instance that opened the episode; absent for a missing job. */
  failedJobId: z.string().optional(),
  /** What attempt JobIDs are derived from. */
  baseJobId: z.string().min(1),
  /** End time of the failed instance (time to recover starts here); the opening time for a missing job. */
  failedAt: z.number(),
  openedAt: z.number(),
  status: z.enum(['open', 'exhausted', 'closed']),
  phase: z.enum(['waiting', 'submitting', 'verifying', 'running']),
  nextAttemptAt: z.number(),
  runningSince: z.number().optional(),
  attempts: z.array(attemptSchema),
  /** Restore paths Flink refused in this episode: never offered again. */
  refusedPaths: z.array(z.string()),
  outcome: z.enum(OUTCOMES).optional(),
  endReason: z.string().optional(),
  endedAt: z.number().optional(),
  clearedAt: z.number().optional(),
  clearReason: z.string().optional(),
});

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
export type Episode = z.output<typeof episodeSchema>;
export type EpisodesFile = z.output<typeof episodesFileSchema>;
