/** Version-neutral views of what Flink's REST API says; the client maps 1.20 and 2.x wire shapes onto these. */
import type { JobState } from './job-state.js';

export interface ClusterOverview {
  readonly flinkVersion: string;
  readonly taskManagers: number;
  readonly slotsTotal: number;
  readonly slotsAvailable: number;
}

/** One instance (one JobID) as `/jobs/overview` lists it. Times are Unix milliseconds. */
export interface JobOverview {
  readonly jobId: string;
  readonly name: string;
  readonly state: JobState;
  readonly startTime: number;
  /** Undefined while the instance has not ended (Flink sends -1). */
  readonly endTime: number | undefined;
  readonly lastModification: number;
}

export interface CompletedCheckpoint {
  readonly id: number;
  /** Where to restore from; undefined when Flink kept the checkpoint only in memory. */
  readonly externalPath: string | undefined;
  /** Unix milliseconds. */
  readonly completedAt: number;
  readonly durationMs: number;
  readonly sizeBytes: number;
}

/** The checkpoint or savepoint an instance restored its state from at its start (`latest.restored`). */
export interface RestoredCheckpoint {
  readonly id: number;
  readonly externalPath: string | undefined;
  readonly restoredAt: number;
}

/** The newest root exception of an instance (`/jobs/:id/exceptions`). */
export interface RootCause {
  /** The exception's class, e.g. `java.lang.IllegalStateException`; undefined when Flink gave only a trace. */
  readonly exceptionClass: string | undefined;
  /** The first lines of the stack trace (message included), bounded. */
  readonly message: string;
  /** Flink's failure enrichers' labels (1.18+), bounded. */
  readonly failureLabels: Readonly<Record<string, string>>;
  /** Unix milliseconds. */
  readonly at: number | undefined;
}

export interface CheckpointStats {
  readonly completed: number;
  readonly failed: number;
  readonly inProgress: number;
  readonly latestCompleted: CompletedCheckpoint | undefined;
  readonly latestSavepoint: CompletedCheckpoint | undefined;
  /** Optional so that views built without it (older fakes) stay valid: absent means Flink reported none. */
  readonly latestRestored?: RestoredCheckpoint | undefined;
}

/** `/jobs/:id/checkpoints`: Flink answers 404 "Checkpointing has not been enabled." for jobs without it. */
export type CheckpointStatsResult =
  | { readonly enabled: false }
  | { readonly enabled: true; readonly stats: CheckpointStats };

export interface CheckpointConfig {
  /** Checkpoints are externalized (retained) and survive a failure. */
  readonly externalized: boolean;
  readonly deleteOnCancellation: boolean;
}

export interface JarInfo {
  /** The id `/jars/:jarid/run` takes: `<uuid>_<file name>`. */
  readonly id: string;
  /** The original file name, e.g. `orders.jar`. */
  readonly name: string;
  readonly uploadedAt: number;
}

export type ClaimMode = 'NO_CLAIM' | 'CLAIM';

export interface RunJarRequest {
  readonly entryClass?: string;
  readonly args: readonly string[];
  readonly parallelism?: number;
  /** 32 lower-case hex characters. */
  readonly jobId: string;
  readonly savepointPath?: string;
  readonly allowNonRestoredState: boolean;
  readonly claimMode: ClaimMode;
  readonly flinkConfiguration?: Readonly<Record<string, string>>;
}

/** A run request Flink refused (400 and friends) is an expected outcome, not an exception. */
export type RunJarResult =
  | { readonly ok: true; readonly jobId: string }
  | { readonly ok: false; readonly status: number; readonly errors: readonly string[] };
