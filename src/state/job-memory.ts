/**
 * What the exporter remembers of every job between scrapes and across restarts: its last state, the JobID of
 * its current instance and the newest completed checkpoint path. The recoverer reads it after a JobManager
 * crash (the `remembered` restore point), and `flink_job_missing` uses the last state to tell a job stopped on
 * purpose (CANCELED, FINISHED) from one that was lost.
 */
import type { JobState } from '../flink/job-state.js';

export interface RememberedJob {
  readonly jobId: string;
  readonly lastState: JobState;
  /** Newest completed checkpoint (or savepoint) path seen for this job, across its instances. */
  readonly checkpointPath: string | undefined;
  /** Unix milliseconds of the scrape that saw it last. */
  readonly seenAt: number;
}

export interface JobMemory {
  /** What is remembered of a job, if anything. */
  get(cluster: string, jobName: string): RememberedJob | undefined;
  /** Records what one scrape of a cluster saw; persisted atomically, and only when something changed. */
  record(cluster: string, jobs: ReadonlyMap<string, RememberedJob>): Promise<void>;
}
