/**
 * What a scrape teaches the job memory: each job's current JobID and state, and the newest completed
 * checkpoint (or savepoint) path. A path is never replaced by nothing: a fresh successor without checkpoints
 * keeps its predecessor's path, which is what the recoverer restores from after a JobManager crash.
 */
import type { CompletedCheckpoint } from '../flink/types.js';
import type { RememberedJob } from '../state/job-memory.js';
import { currentInstances } from '../flink/current-instance.js';
import type { MemoryLookup } from './map.js';
import type { ClusterSnapshot, JobDetails } from './snapshot.js';

function newestPath(details: JobDetails | undefined): CompletedCheckpoint | undefined {
  if (details === undefined || details.checkpoints.kind !== 'enabled') return undefined;
  const candidates = [details.checkpoints.stats.latestCompleted, details.checkpoints.stats.latestSavepoint].filter(
    (cp): cp is CompletedCheckpoint => cp?.externalPath !== undefined,
  );
  return candidates.sort((a, b) => b.completedAt - a.completedAt)[0];
}

/** The memory records of one reachable cluster's snapshot, by job name. */
export function rememberedJobs(
  snapshot: ClusterSnapshot,
  remembered: MemoryLookup,
  now: number,
): Map<string, RememberedJob> {
  const out = new Map<string, RememberedJob>();
  if (!snapshot.ok) return out;
  for (const [name, job] of currentInstances(snapshot.jobs)) {
    const before = remembered(snapshot.cluster, name);
    const path = newestPath(snapshot.details.get(job.jobId))?.externalPath ?? before?.checkpointPath;
    out.set(name, { jobId: job.jobId, lastState: job.state, checkpointPath: path, seenAt: now });
  }
  return out;
}
