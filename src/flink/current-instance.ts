/**
 * The current instance of a job name: the one with the latest start time (docs/reference.md, "Job identity"). The
 * exporter and the recoverer both use this one rule, so they never disagree about which instance is current.
 */
import { isActive } from './job-state.js';
import type { JobOverview } from './types.js';

/** True when `a` is a later instance than `b`. Ties (same start time) prefer an active one, then JobID order. */
function later(a: JobOverview, b: JobOverview): boolean {
  if (a.startTime !== b.startTime) return a.startTime > b.startTime;
  if (isActive(a.state) !== isActive(b.state)) return isActive(a.state);
  if (a.lastModification !== b.lastModification) return a.lastModification > b.lastModification;
  return a.jobId > b.jobId;
}

/** The current instance among instances of one name, or undefined when there are none. */
export function currentInstance(instances: readonly JobOverview[]): JobOverview | undefined {
  let best: JobOverview | undefined;
  for (const job of instances) if (best === undefined || later(job, best)) best = job;
  return best;
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

/** The current instances of a job list, indexed for a scrape. */
export interface CurrentInstances {
  /** Job name → its current instance. */
  readonly byName: ReadonlyMap<string, JobOverview>;
  /** The current instances, in the order of `byName`. */
  readonly list: readonly JobOverview[];
  /** JobID of a current instance → its place in `list`. */
  readonly position: ReadonlyMap<string, number>;
}

/** Indexes the current instance of each job name in `jobs`. */
export function indexCurrentInstances(jobs: readonly JobOverview[]): CurrentInstances {
  const byName = currentInstances(jobs);
  const list = [...byName.values()];
  const position = new Map(list.map((job, i) => [job.jobId, i]));
  return { byName, list, position };
}
