/**
 * What the rest of flink-guardian needs from one Flink cluster. The undici client implements it; unit tests
 * implement it in memory. Methods throw FlinkError when Flink cannot be asked (unreachable, timeout, an
 * unexpected status, a body that does not parse); answers Flink gives on purpose are returned as values.
 */
import type {
  CheckpointConfig,
  CheckpointStatsResult,
  ClusterOverview,
  JarInfo,
  JobOverview,
  RootCause,
  RunJarRequest,
  RunJarResult,
} from './types.js';

export interface FlinkApi {
  /** The configured cluster name. */
  readonly cluster: string;
  /** Requests this client runs at once (`clusters[].concurrency`); callers size their work queues to it. */
  readonly concurrency?: number;
  /** `GET /overview`. */
  overview(signal?: AbortSignal): Promise<ClusterOverview>;
  /** `GET /jobs/overview`: every instance the JobManager knows, terminal ones included. */
  jobsOverview(signal?: AbortSignal): Promise<readonly JobOverview[]>;
  /** `GET /jobs/:id/checkpoints`. */
  checkpoints(jobId: string, signal?: AbortSignal): Promise<CheckpointStatsResult>;
  /** `GET /jobs/:id/checkpoints/config`; undefined when checkpointing is disabled (404). */
  checkpointConfig(jobId: string, signal?: AbortSignal): Promise<CheckpointConfig | undefined>;
  /** Flink's numRestarts of the instance (`GET /jobs/:id/metrics?get=numRestarts`), undefined when not reported. */
  restarts(jobId: string, signal?: AbortSignal): Promise<number | undefined>;
  /**
   * `GET /jobs/:id/exceptions`: the newest root exception, undefined when there is none. Optional, so that
   * clients that never read it (the exporter's fakes) need not implement it; the recoverer reads no cause then.
   */
  jobExceptions?(jobId: string, signal?: AbortSignal): Promise<RootCause | undefined>;
  /** `GET /jars`. */
  listJars(signal?: AbortSignal): Promise<readonly JarInfo[]>;
  /** `POST /jars/upload` of a local jar file. */
  uploadJar(path: string, signal?: AbortSignal): Promise<JarInfo>;
  /** `POST /jars/:jarid/run`, in the dialect of the cluster's Flink version. */
  runJar(jarId: string, request: RunJarRequest, signal?: AbortSignal): Promise<RunJarResult>;
  /** Closes the connection pool. */
  close(): Promise<void>;
}
