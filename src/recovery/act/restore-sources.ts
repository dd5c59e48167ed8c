/**
 * Gathering the restore points that exist for an episode (the reading half; selectRestorePoint decides).
 * The instances that failed in this episode are asked newest first, because a resubmitted instance that ran
 * for a while before failing again has newer checkpoints than the one that opened the episode.
 */
import type { FlinkApi } from '../../flink/api.js';
import type { JobOverview } from '../../flink/types.js';
import type { Logger } from '../../log.js';
import type { Episode } from '../model/episode-schema.js';
import type { RememberedJob } from '../../state/job-memory.js';
import { stat } from 'node:fs/promises';
import { scanCheckpoints } from './checkpoint-scan.js';
import { localPathOf, normalizeRestorePath } from '../model/restore-path.js';
import { isOwn } from '../model/lineage.js';
import type { RestoreCandidate } from '../decide/restore-point.js';
import { errorMessage } from '../../errors.js';

/**
 * JobIDs whose checkpoints may restore this episode's job, newest instance first: every listed instance of the
 * episode (its root and every attempt, made here or elsewhere), and the instances this replica recorded.
 */
export function restoreInstanceIds(episode: Episode, instances: readonly JobOverview[]): string[] {
  return [...instances]
    .filter((j) => isOwn(episode, j.jobId))
    .sort((a, b) => b.startTime - a.startTime)
    .map((j) => j.jobId);
}

/** JobIDs whose directories a checkpoint scan looks under, in order (the failed, lost or remembered instance last). */
export function scanJobIds(episode: Episode, remembered: RememberedJob | undefined): string[] {
  const ids = [...episode.attempts].reverse().map((a) => a.jobId);
  if (episode.failedJobId !== undefined) ids.push(episode.failedJobId);
  // The lost instance of a missing job: by the next attempt the memory names the failed attempt instead.
  if (episode.lostJobId !== undefined) ids.push(episode.lostJobId);
  if (remembered !== undefined) ids.push(remembered.jobId);
  return [...new Set(ids)];
}

export interface CandidateSources {
  readonly api: FlinkApi;
  readonly episode: Episode;
  readonly instances: readonly JobOverview[];
  readonly remembered: RememberedJob | undefined;
  readonly checkpointDir: string | undefined;
  readonly logger: Logger;
}

export interface GatheredCandidates {
  /** Restore points that exist, as far as this machine can tell. */
  readonly candidates: RestoreCandidate[];
  /** Flink, the memory or the disk says the job completed a checkpoint once: it is never started fresh. */
  readonly hadCheckpoints: boolean;
  /** Local restore points whose `_metadata` is gone: left out. */
  readonly gone: string[];
}

/**
 * False when the restore point lies under the cluster's checkpointDir, which this machine reads, and has no
 * `_metadata` (deleted, or never completed). A path elsewhere is Flink's to judge: a `file:` path of the
 * JobManager's machine need not exist on this one, and s3:// or hdfs:// are not read here.
 */
export async function restorePointExists(path: string, checkpointDir: string | undefined): Promise<boolean> {
  const root = checkpointDir === undefined ? undefined : localPathOf(checkpointDir)?.replace(/\/+$/, '');
  const local = localPathOf(normalizeRestorePath(path));
  if (root === undefined || local === undefined || !local.startsWith(`${root}/`)) return true;
  try {
    return (await stat(`${local}/_metadata`)).isFile();
  } catch {
    return false;
  }
}

/** Every restore point that exists, each with its checkpoint id and completion time where Flink says them. */
export async function gatherCandidates(src: CandidateSources): Promise<GatheredCandidates> {
  const found: RestoreCandidate[] = [];
  let hadCheckpoints = false;
  for (const jobId of restoreInstanceIds(src.episode, src.instances)) {
    try {
      const result = await src.api.checkpoints(jobId);
      if (result.kind !== 'enabled') continue;
      if (result.stats.completed > 0) hadCheckpoints = true;
      for (const [from, c] of [
        ['checkpoint', result.stats.latestCompleted],
        ['savepoint', result.stats.latestSavepoint],
      ] as const) {
        if (c?.externalPath === undefined) continue;
        found.push({ from, path: c.externalPath, checkpointId: c.id, completedAt: c.completedAt });
      }
    } catch (err) {
      src.logger.warn({ job_id: jobId, err: errorMessage(err) }, 'cannot read checkpoints of the failed instance');
    }
  }
  const remembered = src.remembered?.checkpointPath;
  if (remembered !== undefined && remembered !== '') {
    hadCheckpoints = true;
    found.push({ from: 'remembered', path: remembered });
  }
  if (src.checkpointDir !== undefined) {
    const scanned = await scanCheckpoints(src.checkpointDir, scanJobIds(src.episode, src.remembered));
    if (scanned !== undefined) {
      hadCheckpoints = true;
      found.push({ from: 'scan', path: scanned });
    }
  }
  const candidates: RestoreCandidate[] = [];
  const gone: string[] = [];
  for (const c of found) {
    if (await restorePointExists(c.path, src.checkpointDir)) candidates.push(c);
    else gone.push(c.path);
  }
  return { candidates, hadCheckpoints: hadCheckpoints || gone.length > 0, gone };
}
