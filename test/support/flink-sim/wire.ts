/**
 * Renders the simulator's model as Flink's REST bodies. The shapes follow what a real JobManager sends, which
 * differs from Flink's published OpenAPI spec in places: `/jobs/overview` uses
 * hyphenated keys and -1 for a missing end time, `/jobs/:id/metrics` is a bare array.
 */
import { isTerminal } from '../../../src/flink/job-state.js';
import type { SimCheckpoint, SimJob, SimModel } from './model.js';

export type Dialect = '1.20' | '2.x';

/** `{"errors": [...]}`, Flink's error body. */
export function errorBody(...errors: string[]): { errors: string[] } {
  return { errors };
}

export function overviewBody(model: SimModel, version: string, dialect: Dialect): unknown {
  let running = 0;
  let finished = 0;
  let cancelled = 0;
  let failed = 0;
  for (const job of model.jobsById.values()) {
    if (job.state === 'FINISHED') finished += 1;
    else if (job.state === 'CANCELED') cancelled += 1;
    else if (job.state === 'FAILED') failed += 1;
    else if (!isTerminal(job.state)) running += 1;
  }
  const total = model.taskManagers * model.slotsPerTaskManager;
  const body: Record<string, unknown> = {
    taskmanagers: model.taskManagers,
    'slots-total': total,
    'slots-available': Math.max(0, total - model.usedSlots()),
    'jobs-running': running,
    'jobs-finished': finished,
    'jobs-cancelled': cancelled,
    'jobs-failed': failed,
    'flink-version': version,
    'flink-commit': dialect === '2.x' ? '2f8ad2a' : 'b1fe7b4',
  };
  if (dialect === '2.x') {
    body['slots-free-and-blocked'] = 0;
    body['taskmanagers-blocked'] = 0;
  }
  return body;
}

function taskCounts(job: SimJob): Record<string, number> {
  const zero = {
    running: 0,
    canceling: 0,
    canceled: 0,
    total: job.parallelism,
    created: 0,
    scheduled: 0,
    deploying: 0,
    reconciling: 0,
    finished: 0,
    initializing: 0,
    failed: 0,
  };
  const key =
    job.state === 'RUNNING'
      ? 'running'
      : job.state === 'FINISHED'
        ? 'finished'
        : job.state === 'CANCELED'
          ? 'canceled'
          : job.state === 'FAILED'
            ? 'failed'
            : job.state === 'CANCELLING'
              ? 'canceling'
              : 'created';
  zero[key] = job.parallelism;
  return zero;
}

function jobSummary(job: SimJob, now: number, dialect: Dialect): Record<string, unknown> {
  const body: Record<string, unknown> = {
    jid: job.jobId,
    name: job.name,
    'start-time': job.startTime,
    'end-time': job.endTime,
    duration: (job.endTime === -1 ? now : job.endTime) - job.startTime,
    state: job.state,
    'last-modification': job.lastModification,
    tasks: taskCounts(job),
  };
  if (dialect === '2.x') body['pending-operators'] = 0;
  return body;
}

export function jobsOverviewBody(model: SimModel, dialect: Dialect): unknown {
  const now = model.now();
  const jobs: unknown[] = [];
  for (const job of model.jobsById.values()) jobs.push(jobSummary(job, now, dialect));
  return { jobs };
}

/** `GET /jobs/:jobid`, trimmed to what clients read: identity, state, times. */
export function jobDetailsBody(job: SimJob, model: SimModel, dialect: Dialect): unknown {
  const now = model.now();
  return {
    ...jobSummary(job, now, dialect),
    isStoppable: false,
    'job-type': 'STREAMING',
    maxParallelism: -1,
    now,
    timestamps: job.timestamps,
    vertices: [],
    'status-counts': taskCounts(job),
    plan: { jid: job.jobId, name: job.name, type: 'STREAMING', nodes: [] },
  };
}

function checkpointBody(cp: SimCheckpoint): Record<string, unknown> {
  const body: Record<string, unknown> = {
    className: cp.status === 'COMPLETED' ? 'completed' : 'failed',
    id: cp.id,
    status: cp.status,
    is_savepoint: cp.savepoint,
    trigger_timestamp: cp.triggerTimestamp,
    latest_ack_timestamp: cp.ackTimestamp,
    checkpointed_size: cp.sizeBytes,
    state_size: cp.sizeBytes,
    end_to_end_duration: cp.durationMs,
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: 0,
    num_subtasks: 1,
    num_acknowledged_subtasks: cp.status === 'COMPLETED' ? 1 : 0,
    checkpoint_type: cp.savepoint ? 'SAVEPOINT' : 'CHECKPOINT',
    tasks: {},
  };
  if (cp.savepoint) body.savepointFormat = 'CANONICAL';
  if (cp.status === 'COMPLETED') {
    body.external_path = cp.externalPath ?? '<checkpoint-not-externalized>';
    body.discarded = false;
  } else {
    body.failure_timestamp = cp.ackTimestamp;
    body.failure_message = cp.failureMessage ?? null;
  }
  return body;
}

function summaryOf(values: readonly number[]): Record<string, number> {
  if (values.length === 0) return { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const avg = Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length);
  return {
    min: sorted[0] ?? 0,
    max: sorted.at(-1) ?? 0,
    avg,
    p50: at(0.5),
    p90: at(0.9),
    p95: at(0.95),
    p99: at(0.99),
    p999: at(0.999),
  };
}

/**
 * `/jobs/:id/exceptions`. 2.x answers only `exceptionHistory`; 1.20 also the deprecated first-level members,
 * `root-exception` being the newest root cause's stack trace.
 */
export function exceptionsBody(job: SimJob, dialect: Dialect): unknown {
  const entries = job.exceptions.map((e) => ({
    exceptionName: e.exceptionName,
    stacktrace: e.stacktrace,
    timestamp: e.timestamp,
    failureLabels: e.failureLabels,
    taskName: null,
    endpoint: null,
    taskManagerId: null,
    concurrentExceptions: [],
  }));
  const exceptionHistory = { entries, truncated: false };
  if (dialect === '2.x') return { exceptionHistory };
  const newest = job.exceptions[0];
  return {
    'root-exception': newest?.stacktrace ?? null,
    timestamp: newest?.timestamp ?? null,
    'all-exceptions': [],
    truncated: false,
    exceptionHistory,
  };
}

export function checkpointsBody(job: SimJob): unknown {
  const done = job.history.filter((cp) => cp.status === 'COMPLETED');
  const sizes = summaryOf(done.map((cp) => cp.sizeBytes));
  const zero = summaryOf([]);
  return {
    counts: {
      restored: job.restored === undefined ? 0 : 1,
      total: job.completed + job.failed + job.inProgress,
      in_progress: job.inProgress,
      completed: job.completed,
      failed: job.failed,
    },
    summary: {
      checkpointed_size: sizes,
      state_size: sizes,
      end_to_end_duration: summaryOf(done.map((cp) => cp.durationMs)),
      alignment_buffered: zero,
      processed_data: zero,
      persisted_data: zero,
    },
    latest: {
      completed: job.latestCompleted === undefined ? null : checkpointBody(job.latestCompleted),
      savepoint: job.latestSavepoint === undefined ? null : checkpointBody(job.latestSavepoint),
      failed: job.latestFailed === undefined ? null : checkpointBody(job.latestFailed),
      restored:
        job.restored === undefined
          ? null
          : {
              id: job.restored.id,
              restore_timestamp: job.restored.timestamp,
              is_savepoint: job.restored.savepoint,
              external_path: job.restored.path,
            },
    },
    history: job.history.map(checkpointBody),
  };
}

export function checkpointConfigBody(job: SimJob): unknown {
  // Flink: enabled = retention != NO_EXTERNALIZED, delete_on_cancellation = retention != RETAIN_ON_CANCELLATION.
  return {
    mode: 'exactly_once',
    interval: 10_000,
    timeout: 600_000,
    min_pause: 0,
    max_concurrent: 1,
    externalization: {
      enabled: job.retention !== 'NO_EXTERNALIZED_CHECKPOINTS',
      delete_on_cancellation: job.retention !== 'RETAIN_ON_CANCELLATION',
    },
    state_backend: 'HashMapStateBackend',
    checkpoint_storage: 'FileSystemCheckpointStorage',
    unaligned_checkpoints: false,
    tolerable_failed_checkpoints: 0,
    aligned_checkpoint_timeout: 0,
    checkpoints_after_tasks_finish: true,
    state_changelog_enabled: false,
    changelog_periodic_materialization_interval: 600_000,
    changelog_storage: 'memory',
  };
}

export function configBody(version: string, dialect: Dialect): unknown {
  return {
    'refresh-interval': 3000,
    'timezone-name': 'Coordinated Universal Time',
    'timezone-offset': 0,
    'flink-version': version,
    'flink-revision': `${dialect === '2.x' ? '2f8ad2a' : 'b1fe7b4'} @ 2025-01-01T00:00:00+01:00`,
    features: { 'web-submit': true, 'web-cancel': true, 'web-rescale': false, 'web-history': false },
  };
}

export function jarsBody(model: SimModel, address: string): unknown {
  return {
    address,
    files: [...model.jars.values()].map((jar) => ({
      id: jar.id,
      name: jar.name,
      uploaded: jar.uploaded,
      entry: jar.entryClass === undefined ? [] : [{ name: jar.entryClass, description: null }],
    })),
  };
}

/** Flink's JarRunHandler wraps a failed start in a RestHandlerException with the cause's stack in the text. */
export function runFailureBody(cause: string): { errors: string[] } {
  return errorBody(
    'org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n' +
      '\tat org.apache.flink.runtime.webmonitor.handlers.JarRunHandler' +
      '.lambda$handleRequest$1(JarRunHandler.java:114)\n' +
      '\tat java.base/java.util.concurrent.CompletableFuture.uniHandle(CompletableFuture.java:934)\n' +
      `Caused by: java.util.concurrent.CompletionException: ${cause}\n` +
      '\tat java.base/java.util.concurrent.CompletableFuture.encodeThrowable(CompletableFuture.java:315)\n' +
      `Caused by: ${cause}\n\t... 12 more\n`,
  );
}
