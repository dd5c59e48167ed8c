/** The current instance of each job name: the one with the latest start time (contract, "Job identity"). */
import { isActive } from '../flink/job-state.js';
import type { JobOverview } from '../flink/types.js';

/** True when `a` is a later instance than `b`. Ties (same start time) prefer an active one, then JobID order. */
function later(a: JobOverview, b: JobOverview): boolean {
  if (a.startTime !== b.startTime) return a.startTime > b.startTime;
  if (isActive(a.state) !== isActive(b.state)) return isActive(a.state);
  if (a.lastModification !== b.lastModification) return a.lastModification > b.lastModification;
  return a.jobId > b.jobId;
}

/** Maps each job name to its current instance. */
export function currentInstances(jobs: readonly JobOverview[]): Map<string, JobOverview> {
  const current = new Map<string, JobOverview>();
  for (const job of jobs) {
    const seen = current.get(job.name);
    if (seen === undefined || later(job, seen)) current.set(job.name, job);
  }
  return current;
}
