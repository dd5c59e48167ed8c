/**
 * Gathering the restore points that exist for an episode (the reading half; selectRestorePoint decides).
 * The instances that failed in this episode are asked newest first, because a resubmitted instance that ran
 * for a while before failing again has newer checkpoints than the one that opened the episode.
 */
import type { FlinkApi } from '../flink/api.js';
import type { JobOverview } from '../flink/types.js';
import type { Logger } from '../log.js';
import type { Episode } from '../state/episodes-schema.js';
import type { RememberedJob } from '../state/job-memory.js';
import { scanCheckpoints } from './checkpoint-scan.js';
import type { RestoreCandidate } from './restore-point.js';
import { errorMessage } from '../errors.js';

/** JobIDs whose checkpoints may restore this episode's job, newest instance first. */
export function restoreInstanceIds(episode: Episode, instances: readonly JobOverview[]): string[] {
  const present = new Set(instances.map((j) => j.jobId));
  const ids = [...episode.attempts]
    .reverse()
    .map((a) => a.jobId)
    .filter((id) => present.has(id));
  if (episode.failedJobId !== undefined && present.has(episode.failedJobId)) ids.push(episode.failedJobId);
  return ids;
}

/** JobIDs whose directories a checkpoint scan looks under, in order (the failed, lost or remembered instance last). */
export function scanJobIds(episode: Episode, remembered: RememberedJob | undefined): string[] {
  const ids = [...episode.attempts].reverse().map((a) => a.jobId);
  if (episode.failedJobId !== undefined) ids.push(episode.failedJobId);
  // The lost instance of a missing job: by the next attempt the memory names the failed attempt instead.
  ids.push(episode.baseJobId);
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

/** Every restore point that exists, in source order; a source that cannot be read is left out and logged. */
export async function gatherCandidates(src: CandidateSources): Promise<RestoreCandidate[]> {
  const out: RestoreCandidate[] = [];
  for (const jobId of restoreInstanceIds(src.episode, src.instances)) {
    try {
      const result = await src.api.checkpoints(jobId);
      if (result.kind !== 'enabled') continue;
      const chk = result.stats.latestCompleted?.externalPath;
      const sp = result.stats.latestSavepoint?.externalPath;
      if (chk !== undefined) out.push({ from: 'checkpoint', path: chk });
      if (sp !== undefined) out.push({ from: 'savepoint', path: sp });
    } catch (err) {
      src.logger.warn({ jobId, err: errorMessage(err) }, 'cannot read checkpoints of the failed instance');
    }
  }
  const remembered = src.remembered?.checkpointPath;
  if (remembered !== undefined && remembered !== '') out.push({ from: 'remembered', path: remembered });
  if (src.checkpointDir !== undefined) {
    const scanned = await scanCheckpoints(src.checkpointDir, scanJobIds(src.episode, src.remembered));
    if (scanned !== undefined) out.push({ from: 'scan', path: scanned });
  }
  return out;
}
