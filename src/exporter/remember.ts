/**
 * What a scrape teaches the job memory: each job's current JobID and state, and the newest completed
 * checkpoint (or savepoint) path. A path is never replaced by nothing: a fresh successor without checkpoints
 * keeps its predecessor's path, which is what the recoverer restores from after a JobManager crash.
 */
import type { CompletedCheckpoint } from '../flink/types.js';
import { sameSighting, type JobSighting } from '../state/job-memory.js';
import type { MemoryLookup } from './map.js';
import type { ClusterSnapshot, JobDetails } from './snapshot.js';

function newestPath(details: JobDetails | undefined): string | undefined {
  if (details === undefined || details.checkpoints.kind !== 'enabled') return undefined;
  const { latestCompleted, latestSavepoint } = details.checkpoints.stats;
  const usable = (cp: CompletedCheckpoint | undefined): cp is CompletedCheckpoint => cp?.externalPath !== undefined;
  if (!usable(latestCompleted)) return usable(latestSavepoint) ? latestSavepoint.externalPath : undefined;
  if (!usable(latestSavepoint)) return latestCompleted.externalPath;
  return latestSavepoint.completedAt > latestCompleted.completedAt
    ? latestSavepoint.externalPath
    : latestCompleted.externalPath;
}

const EMPTY: ReadonlyMap<string, JobSighting> = new Map();

/**
 * The memory records of one reachable cluster's snapshot, by job name. `previous` is what the last scrape of the
 * cluster returned: it is returned again when no job changed, and its records are reused for the jobs that did
 * not, so a steady scrape allocates nothing here.
 */
export function sightings(
  snapshot: ClusterSnapshot,
  remembered: MemoryLookup,
  previous: ReadonlyMap<string, JobSighting> = EMPTY,
): ReadonlyMap<string, JobSighting> {
  if (!snapshot.ok) return EMPTY;
  const pathOf = (name: string, job: { readonly jobId: string }): string | undefined =>
    newestPath(snapshot.details.get(job.jobId)) ??
    (previous.get(name) ?? remembered(snapshot.cluster, name))?.checkpointPath;
  let same = previous.size === snapshot.current.size;
  if (same) {
    for (const [name, job] of snapshot.current) {
      if (!sameSighting(previous.get(name), job.jobId, job.state, pathOf(name, job))) {
        same = false;
        break;
      }
    }
  }
  if (same) return previous;
  const out = new Map<string, JobSighting>();
  for (const [name, job] of snapshot.current) {
    const before = previous.get(name);
    const checkpointPath = pathOf(name, job);
    out.set(
      name,
      sameSighting(before, job.jobId, job.state, checkpointPath)
        ? before
        : { jobId: job.jobId, lastState: job.state, checkpointPath },
    );
  }
  return out;
}
