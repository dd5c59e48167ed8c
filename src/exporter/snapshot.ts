/** What one scrape read from one cluster: the input of the pure mapping. */
import type { FlinkError } from '../errors.js';
import type { CheckpointConfig, CheckpointStatsResult, ClusterOverview, JobOverview } from '../flink/types.js';

/** The per-instance data beyond /jobs/overview; fetched only for current instances. */
export interface JobDetails {
  readonly checkpoints: CheckpointStatsResult;
  /** Undefined when checkpointing is disabled. */
  readonly checkpointConfig: CheckpointConfig | undefined;
  /** Flink's numRestarts; undefined when Flink did not report it. */
  readonly restarts: number | undefined;
}

export type ClusterSnapshot =
  | {
      readonly cluster: string;
      readonly ok: true;
      readonly overview: ClusterOverview;
      /** Every instance of /jobs/overview, terminal ones included. */
      readonly jobs: readonly JobOverview[];
      /** Job name → its current instance in `jobs`. */
      readonly current: ReadonlyMap<string, JobOverview>;
      /** Details by JobID of the current instances whose per-job calls succeeded. */
      readonly details: ReadonlyMap<string, JobDetails>;
      /** Per-job calls that failed; the cluster still answered, so it stays up. */
      readonly errors: readonly FlinkError[];
    }
  | {
      readonly cluster: string;
      readonly ok: false;
      readonly error: Error;
    };
