/**
 * What the exporter remembers of every job between scrapes and across restarts: its last state, the JobID of
 * its current instance and the newest completed checkpoint path. The recoverer reads it after a JobManager
 * crash (the `remembered` restore point), and `flink_job_missing` uses the last state to tell a job stopped on
 * purpose (CANCELED, FINISHED) from one that was lost.
 */
import type { JobState } from '../flink/job-state.js';

/** What one scrape says of one job name. */
export interface JobSighting {
  readonly jobId: string;
  readonly lastState: JobState;
  /** Newest completed checkpoint (or savepoint) path seen for this job, across its instances. */
  readonly checkpointPath: string | undefined;
}

/** Whether `before` says what a scrape now says of the job: same JobID, state and checkpoint path. */
export function sameSighting(
  before: JobSighting | undefined,
  jobId: string,
  lastState: JobState,
  checkpointPath: string | undefined,
): before is JobSighting {
  return (
    before !== undefined &&
    before.jobId === jobId &&
    before.lastState === lastState &&
    before.checkpointPath === checkpointPath
  );
}

export interface RememberedJob extends JobSighting {
  /**
   * Unix milliseconds of the last scrape in which Flink listed the job (in any state): for a job that vanished,
   * the last moment it was known to exist. Updated in memory every scrape; see FileJobMemory for how far the
   * file may lag.
   */
  readonly seenAt: number;
}

export interface JobMemory {
  /** What is remembered of a job, if anything. */
  get(cluster: string, jobName: string): RememberedJob | undefined;
  /**
   * Records what one scrape of a cluster at `seenAt` saw: every job name Flink listed, with what it said of
   * it. `jobs` is not changed afterwards; handing in the same map as the previous record says nothing but
   * `seenAt` changed, which costs nothing however many jobs there are. What changed (a job's instance, state or
   * checkpoint path, a job that vanished) is on disk when it resolves, and a crash before that leaves each job's
   * record either as it was or as it is now; a newer `seenAt` alone is persisted now and then, not every scrape.
   */
  record(cluster: string, jobs: ReadonlyMap<string, JobSighting>, seenAt: number): Promise<void>;
}
