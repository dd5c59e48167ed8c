/** An in-memory FlinkApi for the recoverer's unit tests: jobs, checkpoints, jars and scripted run answers. */
import { basename } from 'node:path';
import type { Clock } from '../../src/clock.js';
import { FlinkError } from '../../src/errors.js';
import type { FlinkApi } from '../../src/flink/api.js';
import type { JobState } from '../../src/flink/job-state.js';
import type {
  JobMetrics,
  CheckpointStatsResult,
  ClusterOverview,
  JarInfo,
  JobOverview,
  RootCause,
  RunJarRequest,
  RunJarResult,
} from '../../src/flink/types.js';

export interface FakeJob {
  jobId: string;
  name: string;
  state: JobState;
  startTime: number;
  endTime: number | undefined;
  checkpoint?: string;
  savepoint?: string;
  /** What the instance restored from at its start (Flink's `latest.restored`). */
  restored?: string;
}

export class FakeFlink implements FlinkApi {
  readonly cluster = 'prod';
  readonly jobs: FakeJob[] = [];
  readonly jars: JarInfo[] = [];
  readonly runs: { jarId: string; request: RunJarRequest }[] = [];
  readonly refusedPaths = new Set<string>();
  /** Root exceptions by JobID (what `/jobs/:id/exceptions` would say). */
  readonly causes = new Map<string, RootCause>();
  /** When set, a run restores from this instead of the path it was given (Flink's state went elsewhere). */
  restoreOverride: string | undefined;
  /** State a new run starts in. */
  runState: JobState = 'RUNNING';
  down = false;
  overviewCalls = 0;
  /** When set, runJar waits for this before answering (to hold a submission in flight). */
  runGate: Promise<void> | undefined;

  constructor(private readonly clock: Clock) {}

  add(job: Partial<FakeJob> & { jobId: string; state: JobState }): FakeJob {
    const j: FakeJob = { name: 'orders', startTime: this.clock.now(), endTime: undefined, ...job };
    if (['FAILED', 'CANCELED', 'FINISHED', 'SUSPENDED'].includes(j.state) && j.endTime === undefined)
      j.endTime = this.clock.now();
    this.jobs.push(j);
    return j;
  }

  set(jobId: string, state: JobState): void {
    const j = this.jobs.find((x) => x.jobId === jobId);
    if (j === undefined) throw new Error(`no job ${jobId}`);
    j.state = state;
    j.endTime = ['FAILED', 'CANCELED', 'FINISHED', 'SUSPENDED'].includes(state) ? this.clock.now() : undefined;
  }

  private check(endpoint: string): void {
    if (this.down) throw new FlinkError('FLINK_UNREACHABLE', this.cluster, endpoint, 'connection refused');
  }

  async overview(): Promise<ClusterOverview> {
    this.check('GET /overview');
    return { flinkVersion: '2.1.0', taskManagers: 1, slotsTotal: 4, slotsAvailable: 4 };
  }

  async jobsOverview(): Promise<readonly JobOverview[]> {
    this.check('GET /jobs/overview');
    this.overviewCalls += 1;
    return this.jobs.map((j) => ({
      jobId: j.jobId,
      name: j.name,
      state: j.state,
      startTime: j.startTime,
      endTime: j.endTime,
      lastModification: j.endTime ?? j.startTime,
    }));
  }

  async checkpoints(jobId: string): Promise<CheckpointStatsResult> {
    this.check('GET /jobs/:id/checkpoints');
    const j = this.jobs.find((x) => x.jobId === jobId);
    const cp = (path: string | undefined) =>
      path === undefined ? undefined : { id: 1, externalPath: path, completedAt: 0, durationMs: 1, sizeBytes: 1 };
    return {
      kind: 'enabled',
      stats: {
        completed: (j?.checkpoint === undefined ? 0 : 1) + (j?.savepoint === undefined ? 0 : 1),
        failed: 0,
        inProgress: 0,
        latestCompleted: cp(j?.checkpoint),
        latestSavepoint: cp(j?.savepoint),
        latestRestored: j?.restored === undefined ? undefined : { id: 1, externalPath: j.restored, restoredAt: 0 },
      },
    };
  }

  async jobExceptions(jobId: string): Promise<RootCause | undefined> {
    this.check('GET /jobs/:id/exceptions');
    return this.causes.get(jobId);
  }

  async checkpointConfig(): Promise<undefined> {
    return undefined;
  }

  async jobMetrics(): Promise<JobMetrics> {
    return { restarts: 0, checkpoints: undefined };
  }

  async listJars(): Promise<readonly JarInfo[]> {
    this.check('GET /jars');
    return [...this.jars];
  }

  async uploadJar(path: string): Promise<JarInfo> {
    this.check('POST /jars/upload');
    const jar = { id: `uuid_${basename(path)}`, name: basename(path), uploadedAt: this.clock.now() };
    this.jars.push(jar);
    return jar;
  }

  async runJar(jarId: string, request: RunJarRequest): Promise<RunJarResult> {
    this.check('POST /jars/:id/run');
    this.runs.push({ jarId, request });
    if (this.runGate !== undefined) await this.runGate;
    if (this.jobs.some((j) => j.jobId === request.jobId)) {
      return {
        ok: false,
        status: 400,
        errors: ['org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted.'],
      };
    }
    if (request.savepointPath !== undefined && this.refusedPaths.has(request.savepointPath)) {
      return {
        ok: false,
        status: 400,
        errors: [`Cannot find checkpoint or savepoint file/directory '${request.savepointPath}'`],
      };
    }
    this.add({
      jobId: request.jobId,
      state: this.runState,
      ...(request.savepointPath === undefined ? {} : { restored: this.restoreOverride ?? request.savepointPath }),
    });
    return { ok: true, jobId: request.jobId };
  }

  async close(): Promise<void> {}
}
