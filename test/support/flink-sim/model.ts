/**
 * The simulator's in-memory JobManager: jobs, their checkpoint history, jars and deleted paths. No HTTP here;
 * `wire.ts` renders this state in Flink's wire format and `simulator.ts` serves it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isTerminal, type JobState } from '../../../src/flink/job-state.js';

export type Retention = 'NO_EXTERNALIZED_CHECKPOINTS' | 'DELETE_ON_CANCELLATION' | 'RETAIN_ON_CANCELLATION';

export interface SimJobSpec {
  readonly name: string;
  readonly jobId?: string;
  readonly state?: JobState;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly parallelism?: number;
  readonly restarts?: number;
  readonly restartsReported?: boolean;
  readonly checkpointing?: false | { readonly retention?: Retention };
  /** The checkpoint or savepoint the instance restored from at its start (Flink's `latest.restored`). */
  readonly restoredFrom?: string;
}

export interface SimCheckpoint {
  readonly id: number;
  readonly status: 'COMPLETED' | 'FAILED';
  readonly savepoint: boolean;
  readonly externalPath: string | undefined;
  readonly triggerTimestamp: number;
  readonly ackTimestamp: number;
  readonly durationMs: number;
  readonly sizeBytes: number;
  readonly failureMessage?: string;
}

export interface SimRestored {
  readonly id: number;
  readonly path: string;
  readonly timestamp: number;
  readonly savepoint: boolean;
}

/** Mutable state of one instance; only the simulator touches it. */
export interface SimJob {
  readonly jobId: string;
  readonly name: string;
  state: JobState;
  readonly startTime: number;
  endTime: number;
  lastModification: number;
  readonly parallelism: number;
  restarts: number;
  restartsReported: boolean;
  readonly retention: Retention | undefined;
  history: SimCheckpoint[];
  completed: number;
  failed: number;
  inProgress: number;
  latestCompleted: SimCheckpoint | undefined;
  latestSavepoint: SimCheckpoint | undefined;
  latestFailed: SimCheckpoint | undefined;
  restored: SimRestored | undefined;
  /** Root exceptions, newest first (what `/jobs/:id/exceptions` lists in `exceptionHistory`). */
  exceptions: SimException[];
  nextCheckpointId: number;
  /** Every external path this instance produced, oldest first. */
  paths: string[];
  timestamps: Partial<Record<JobState, number>>;
  pending:
    | { readonly at: number; readonly state: JobState; readonly cause?: Omit<SimException, 'timestamp'> }
    | undefined;
  request: unknown;
}

/** One root exception of an instance, as Flink's exception history records it. */
export interface SimException {
  readonly exceptionName: string;
  readonly stacktrace: string;
  readonly timestamp: number;
  readonly failureLabels: Readonly<Record<string, string>>;
}

/** What a job that fails without a scripted cause died of. */
export const DEFAULT_FAILURE: Omit<SimException, 'timestamp'> = {
  exceptionName: 'org.apache.flink.runtime.JobException',
  stacktrace:
    'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n' +
    '\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler' +
    '.handleFailure(ExecutionFailureHandler.java:180)',
  failureLabels: {},
};

/** A read-only view of an instance for tests. */
export interface SimJobView {
  readonly jobId: string;
  readonly name: string;
  readonly state: JobState;
  readonly startTime: number;
  readonly endTime: number | undefined;
  readonly restarts: number;
  readonly checkpoints: readonly string[];
  readonly restoredFrom: string | undefined;
  readonly request: unknown;
}

export interface SimJar {
  readonly id: string;
  readonly name: string;
  readonly uploaded: number;
  readonly entryClass: string | undefined;
  readonly jobName: string | undefined;
}

export interface CompleteCheckpointOptions {
  readonly path?: string;
  readonly sizeBytes?: number;
  readonly durationMs?: number;
  readonly savepoint?: boolean;
}

/** What `latest.restored` says of a restore from `path`: its checkpoint id is the `chk-N` the path names. */
export function restoredOf(path: string, timestamp: number): SimRestored {
  const chk = /chk-(\d+)/.exec(path);
  return { id: chk?.[1] === undefined ? 0 : Number(chk[1]), path, timestamp, savepoint: chk === null };
}

/** A fresh random JobID, 32 lower-case hex characters like Flink's. */
export function randomJobId(): string {
  return randomBytes(16).toString('hex');
}

/** The JobManager's state: jobs in insertion order, jars, deleted restore paths. */
export class SimModel {
  readonly jobsById = new Map<string, SimJob>();
  readonly jars = new Map<string, SimJar>();
  readonly deletedPaths = new Set<string>();
  readonly jobNames = new Map<string, string>();
  taskManagers: number;
  slotsPerTaskManager: number;
  /** Jobs with a scheduled transition, so a tick does not walk 10,000 jobs. */
  private readonly pendingJobs = new Set<SimJob>();

  /** JobIDs of jobs that reached a globally terminal state on this JobManager (the in-memory JobResultStore). */
  private readonly endedJobIds = new Set<string>();

  constructor(
    readonly now: () => number,
    readonly checkpointDir: string,
    readonly historySize: number,
    taskManagers: number,
    slotsPerTaskManager: number,
    /**
     * Flink's JobResultStore. `memory` (no HA): an ended job's JobID is refused for the JobManager's lifetime,
     * also after `/jobs/overview` forgot the job. `ha` (file store, delete-on-commit): the entry is gone once the
     * job's cleanup is done, so only a job still running refuses its JobID, and a restart forgets nothing else.
     */
    readonly jobResultStore: 'memory' | 'ha' = 'memory',
  ) {
    this.taskManagers = taskManagers;
    this.slotsPerTaskManager = slotsPerTaskManager;
  }

  /** Applies transitions that are due; called before every request is answered. */
  tick(): void {
    if (this.pendingJobs.size === 0) return;
    const now = this.now();
    for (const job of [...this.pendingJobs]) {
      if (job.pending === undefined || job.pending.at > now) continue;
      const { state: next, cause } = job.pending;
      job.pending = undefined;
      this.pendingJobs.delete(job);
      if (job.state !== 'INITIALIZING' && job.state !== 'CREATED') continue;
      if (next === 'FAILED' && cause !== undefined) this.failWith(job.jobId, cause);
      else this.setState(job.jobId, next);
    }
  }

  addJob(spec: SimJobSpec): string {
    const now = this.now();
    const jobId = (spec.jobId ?? randomJobId()).toLowerCase();
    const existing = this.jobsById.get(jobId);
    if (existing !== undefined && !isTerminal(existing.state)) throw new Error(`simulator: job ${jobId} exists`);
    // Only reached with an HA JobResultStore that cleaned the ended job's entry: the new instance replaces it.
    if (existing !== undefined) this.remove(jobId);
    const state = spec.state ?? 'RUNNING';
    if (state === 'FAILED' || state === 'CANCELED' || state === 'FINISHED') this.endedJobIds.add(jobId);
    const startTime = spec.startTime ?? now;
    const job: SimJob = {
      jobId,
      name: spec.name,
      state,
      startTime,
      endTime: isTerminal(state) ? (spec.endTime ?? now) : -1,
      lastModification: now,
      parallelism: spec.parallelism ?? 1,
      restarts: spec.restarts ?? 0,
      restartsReported: spec.restartsReported ?? true,
      retention: spec.checkpointing === false ? undefined : (spec.checkpointing?.retention ?? 'RETAIN_ON_CANCELLATION'),
      history: [],
      completed: 0,
      failed: 0,
      inProgress: 0,
      latestCompleted: undefined,
      latestSavepoint: undefined,
      latestFailed: undefined,
      restored: spec.restoredFrom === undefined ? undefined : restoredOf(spec.restoredFrom, startTime),
      exceptions: [],
      nextCheckpointId: spec.restoredFrom === undefined ? 1 : restoredOf(spec.restoredFrom, startTime).id + 1,
      paths: [],
      timestamps: { [state]: startTime },
      pending: undefined,
      request: undefined,
    };
    this.jobsById.set(jobId, job);
    return jobId;
  }

  /** Schedules `state` for `job` at `at` (lazy: applied by tick); a FAILED one dies of `cause` when given. */
  schedule(job: SimJob, at: number, state: JobState, cause?: Omit<SimException, 'timestamp'>): void {
    job.pending = cause === undefined ? { at, state } : { at, state, cause };
    this.pendingJobs.add(job);
  }

  get(jobId: string): SimJob {
    const job = this.jobsById.get(jobId.toLowerCase());
    if (job === undefined) throw new Error(`simulator: no job ${jobId}`);
    return job;
  }

  setState(jobId: string, state: JobState): void {
    const job = this.get(jobId);
    const now = this.now();
    job.state = state;
    job.endTime = isTerminal(state) ? now : -1;
    job.lastModification = now;
    job.timestamps[state] = now;
    if (state === 'FAILED' && (job.exceptions[0]?.timestamp ?? -1) < now) {
      job.exceptions.unshift({ ...DEFAULT_FAILURE, timestamp: now });
    }
    if (state === 'FAILED' || state === 'CANCELED' || state === 'FINISHED') this.endedJobIds.add(jobId);
    if (isTerminal(state)) {
      job.inProgress = 0;
      job.pending = undefined;
      this.pendingJobs.delete(job);
      this.applyRetention(job, state);
    }
  }

  /** What Flink's checkpoint retention does to the files when an instance ends. */
  private applyRetention(job: SimJob, state: JobState): void {
    const deletes =
      state === 'FINISHED' ||
      (state === 'FAILED' && job.retention === 'NO_EXTERNALIZED_CHECKPOINTS') ||
      (state === 'CANCELED' && job.retention !== 'RETAIN_ON_CANCELLATION');
    if (!deletes) return;
    for (const cp of job.history) {
      if (cp.status === 'COMPLETED' && !cp.savepoint && cp.externalPath !== undefined)
        this.deletedPaths.add(cp.externalPath);
    }
    for (const path of job.paths) if (!path.includes('savepoint')) this.deletedPaths.add(path);
  }

  /** Fails the instance with a given root cause (Flink records it before the job reaches FAILED). */
  failWith(jobId: string, cause: Omit<SimException, 'timestamp'>): void {
    this.get(jobId).exceptions.unshift({ ...cause, timestamp: this.now() });
    this.setState(jobId, 'FAILED');
  }

  remove(jobId: string): void {
    const job = this.get(jobId);
    this.pendingJobs.delete(job);
    this.jobsById.delete(job.jobId);
  }

  restartJobManager(): void {
    this.jobsById.clear();
    this.pendingJobs.clear();
    this.endedJobIds.clear();
  }

  /** True when Flink refuses a submission with this JobID (DuplicateJobSubmissionException). */
  refusesJobId(jobId: string): boolean {
    const job = this.jobsById.get(jobId);
    if (job !== undefined && !isTerminal(job.state)) return true;
    return this.jobResultStore === 'memory' && this.endedJobIds.has(jobId);
  }

  completeCheckpoint(jobId: string, opts: CompleteCheckpointOptions = {}): string {
    const job = this.get(jobId);
    if (job.retention === undefined) throw new Error(`simulator: job ${jobId} has checkpointing disabled`);
    const now = this.now();
    const id = job.nextCheckpointId++;
    const savepoint = opts.savepoint ?? false;
    const path =
      opts.path ??
      (savepoint
        ? `file:/flink/savepoints/savepoint-${job.jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`
        : `${this.checkpointDir}/${job.jobId}/chk-${id}`);
    const durationMs = opts.durationMs ?? 100;
    const cp: SimCheckpoint = {
      id,
      status: 'COMPLETED',
      savepoint,
      externalPath: path,
      triggerTimestamp: now - durationMs,
      ackTimestamp: now,
      durationMs,
      sizeBytes: opts.sizeBytes ?? 1024,
    };
    this.pushHistory(job, cp);
    job.completed += 1;
    if (savepoint) job.latestSavepoint = cp;
    else job.latestCompleted = cp;
    job.paths.push(path);
    this.deletedPaths.delete(path);
    return path;
  }

  failCheckpoint(jobId: string, message = 'Checkpoint expired before completing.'): void {
    const job = this.get(jobId);
    if (job.retention === undefined) throw new Error(`simulator: job ${jobId} has checkpointing disabled`);
    const now = this.now();
    const cp: SimCheckpoint = {
      id: job.nextCheckpointId++,
      status: 'FAILED',
      savepoint: false,
      externalPath: undefined,
      triggerTimestamp: now - 600_000,
      ackTimestamp: now,
      durationMs: 600_000,
      sizeBytes: 0,
      failureMessage: message,
    };
    this.pushHistory(job, cp);
    job.failed += 1;
    job.latestFailed = cp;
  }

  private pushHistory(job: SimJob, cp: SimCheckpoint): void {
    job.history.unshift(cp);
    if (job.history.length > this.historySize) job.history.length = this.historySize;
    // Not `lastModification`: Flink's /jobs/overview takes it from the tasks' state changes and the job's end
    // (JobDetails.createDetailsForJob), which a checkpoint does not move.
  }

  /** True when `path` (a chk-N directory or its _metadata file) was deleted. */
  isDeleted(path: string): boolean {
    const dir = path.replace(/\/_metadata$/, '').replace(/\/$/, '');
    return this.deletedPaths.has(dir) || this.deletedPaths.has(path);
  }

  addJar(fileName: string, opts: { entryClass?: string; jobName?: string } = {}): string {
    const id = `${randomUUID()}_${fileName}`;
    this.jars.set(id, { id, name: fileName, uploaded: this.now(), entryClass: opts.entryClass, jobName: opts.jobName });
    return id;
  }

  /** The job name a run of `jar` with `entryClass` creates. */
  jobNameFor(jar: SimJar, entryClass: string | undefined): string {
    const byClass = entryClass === undefined ? undefined : this.jobNames.get(entryClass);
    return (
      byClass ??
      jar.jobName ??
      this.jobNames.get(jar.name) ??
      (jar.entryClass === undefined ? undefined : this.jobNames.get(jar.entryClass)) ??
      jar.name.replace(/\.jar$/, '')
    );
  }

  usedSlots(): number {
    let used = 0;
    for (const job of this.jobsById.values()) if (!isTerminal(job.state)) used += job.parallelism;
    return used;
  }

  view(job: SimJob): SimJobView {
    return {
      jobId: job.jobId,
      name: job.name,
      state: job.state,
      startTime: job.startTime,
      endTime: job.endTime === -1 ? undefined : job.endTime,
      restarts: job.restarts,
      checkpoints: [...job.paths],
      restoredFrom: job.restored?.path,
      request: job.request,
    };
  }
}
