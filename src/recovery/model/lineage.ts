/**
 * Reading an episode from what Flink lists: which instances belong to it (its root instance and every attempt,
 * by their JobIDs alone), how many attempts were made, and which root a failed instance opens. Every replica
 * reads the same list, so every replica reaches the same answers. Pure.
 */
import type { JobOverview } from '../../flink/types.js';
import type { Episode } from './episode-schema.js';
import { belongsTo, parseAttemptId, rootOf } from './job-id.js';

/** True when the instance ran at least `resetAfter` before it ended, by Flink's own times. */
export function ranSteadily(instance: JobOverview, resetAfter: number): boolean {
  return instance.endTime !== undefined && instance.endTime - instance.startTime >= resetAfter;
}

/**
 * The root of the episode a failed instance belongs to. An attempt that failed before it ran steadily is one more
 * failure of its own episode; one that ran steadily was a recovery, and its failure opens an episode of its own.
 */
export function episodeRootFor(failed: JobOverview, resetAfter: number): string {
  const a = parseAttemptId(failed.jobId);
  return a !== undefined && !ranSteadily(failed, resetAfter) ? a.root : rootOf(failed.jobId);
}

/** The attempt instances of the episode with root `root` that Flink lists, by attempt number. */
export function listedAttempts(instances: readonly JobOverview[], root: string): Map<number, JobOverview> {
  const out = new Map<number, JobOverview>();
  for (const j of instances) {
    const a = parseAttemptId(j.jobId);
    if (a === undefined || a.root !== root) continue;
    out.set(a.n, j);
  }
  return out;
}

/** The highest attempt number made in this episode, by this replica's record. */
export function attemptsMade(episode: Episode): number {
  return episode.attempts.reduce((high, a) => Math.max(high, a.n), 0);
}

/** True when the JobID is the episode's failed instance, one of its recorded attempts, or of its lineage. */
export function isOwn(episode: Episode, jobId: string): boolean {
  if (jobId === episode.failedJobId || jobId === episode.lostJobId || episode.attempts.some((a) => a.jobId === jobId))
    return true;
  return belongsTo(jobId, episode.root);
}

/**
 * True when the JobID is one of the episode's attempts, made here or elsewhere. An active instance that is not
 * one (the lost instance brought back by Flink's HA, or a resubmission by hand) means someone else owns the job.
 */
export function isOwnAttempt(episode: Episode, jobId: string): boolean {
  return episode.attempts.some((a) => a.jobId === jobId) || parseAttemptId(jobId)?.root === episode.root;
}

/** The lowest-numbered listed attempt this replica has not recorded yet: made by someone else, to be followed. */
export function unrecordedAttempt(
  episode: Episode,
  instances: readonly JobOverview[],
): { readonly n: number; readonly instance: JobOverview } | undefined {
  const made = attemptsMade(episode);
  let best: { n: number; instance: JobOverview } | undefined;
  for (const [n, instance] of listedAttempts(instances, episode.root)) {
    if (n <= made) continue;
    if (best === undefined || n < best.n) best = { n, instance };
  }
  return best;
}
