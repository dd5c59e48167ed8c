/**
 * Cluster snapshots for the golden tests, built from Flink wire bodies in the 1.20 or 2.x shape and read
 * through the client's own wire mappers, so a golden covers parsing and mapping together.
 */
import type { ClusterSnapshot, JobDetails } from '../../../src/exporter/snapshot.js';
import type { JobState } from '../../../src/flink/job-state.js';
import { currentInstances } from '../../../src/flink/current-instance.js';
import {
  checkpointConfigSchema,
  checkpointStatsSchema,
  toCheckpointConfig,
  toCheckpointStats,
} from '../../../src/flink/wire/checkpoints.js';
import { jobsOverviewSchema, toJobOverviews } from '../../../src/flink/wire/jobs-overview.js';
import { metricValue, metricsSchema } from '../../../src/flink/wire/metrics.js';
import { overviewSchema, toClusterOverview } from '../../../src/flink/wire/overview.js';

export type Dialect = '1.20' | '2.x';

export const T0 = 1763719200000; // 2025-11-21T10:00:00Z

export interface WireJob {
  readonly jid: string;
  readonly name: string;
  readonly state: JobState;
  readonly start: number;
  readonly end?: number;
}

export interface WireDetails {
  /** Checkpoint stats body, or 'disabled' for Flink's 404. */
  readonly checkpoints: Record<string, unknown> | 'disabled';
  readonly retention?: { readonly enabled: boolean; readonly delete_on_cancellation: boolean };
  readonly restarts?: number;
}

export function overviewWire(dialect: Dialect): unknown {
  const body: Record<string, unknown> = {
    taskmanagers: 2,
    'slots-total': 8,
    'slots-available': 6,
    'jobs-running': 1,
    'jobs-finished': 0,
    'jobs-cancelled': 0,
    'jobs-failed': 0,
    'flink-version': dialect === '2.x' ? '2.1.0' : '1.20.1',
    'flink-commit': 'b1fe7b4',
  };
  if (dialect === '2.x') Object.assign(body, { 'slots-free-and-blocked': 0, 'taskmanagers-blocked': 0 });
  return body;
}

export function jobWire(dialect: Dialect, job: WireJob): unknown {
  const body: Record<string, unknown> = {
    jid: job.jid,
    name: job.name,
    'start-time': job.start,
    'end-time': job.end ?? -1,
    duration: (job.end ?? T0 + 600_000) - job.start,
    state: job.state,
    'last-modification': job.end ?? job.start + 5000,
    tasks: {
      running: 1,
      canceling: 0,
      canceled: 0,
      total: 1,
      created: 0,
      scheduled: 0,
      deploying: 0,
      reconciling: 0,
      finished: 0,
      initializing: 0,
      failed: 0,
    },
  };
  if (dialect === '2.x') body['pending-operators'] = 0;
  return body;
}

/** A checkpoint statistics body as Flink sends it. */
export function checkpointsWire(opts: {
  completed: number;
  failed: number;
  inProgress?: number;
  latest?: { id: number; ack: number; duration: number; size: number; path: string };
}): Record<string, unknown> {
  const latest = opts.latest;
  return {
    counts: {
      restored: 0,
      total: opts.completed + opts.failed + (opts.inProgress ?? 0),
      in_progress: opts.inProgress ?? 0,
      completed: opts.completed,
      failed: opts.failed,
    },
    summary: {},
    latest: {
      completed:
        latest === undefined
          ? null
          : {
              className: 'completed',
              id: latest.id,
              status: 'COMPLETED',
              is_savepoint: false,
              trigger_timestamp: latest.ack - latest.duration,
              latest_ack_timestamp: latest.ack,
              checkpointed_size: latest.size,
              state_size: latest.size * 2,
              end_to_end_duration: latest.duration,
              checkpoint_type: 'CHECKPOINT',
              tasks: {},
              external_path: latest.path,
              discarded: false,
            },
      savepoint: null,
      failed: null,
      restored: null,
    },
    history: [],
  };
}

/** Builds a reachable cluster's snapshot from wire bodies. */
export function upSnapshot(
  dialect: Dialect,
  cluster: string,
  jobs: readonly WireJob[],
  details: Readonly<Record<string, WireDetails>>,
): ClusterSnapshot {
  const map = new Map<string, JobDetails>();
  for (const [jid, d] of Object.entries(details)) {
    map.set(jid, {
      checkpoints:
        d.checkpoints === 'disabled'
          ? { kind: 'disabled' }
          : { kind: 'enabled', stats: toCheckpointStats(checkpointStatsSchema.parse(d.checkpoints)) },
      checkpointConfig:
        d.checkpoints === 'disabled'
          ? undefined
          : toCheckpointConfig(
              checkpointConfigSchema.parse({
                externalization: d.retention ?? { enabled: true, delete_on_cancellation: false },
              }),
            ),
      restarts:
        d.restarts === undefined
          ? undefined
          : metricValue(metricsSchema.parse([{ id: 'numRestarts', value: String(d.restarts) }]), 'numRestarts'),
    });
  }
  const instances = toJobOverviews(jobsOverviewSchema.parse({ jobs: jobs.map((j) => jobWire(dialect, j)) }));
  return {
    cluster,
    ok: true,
    overview: toClusterOverview(overviewSchema.parse(overviewWire(dialect))),
    jobs: instances,
    current: currentInstances(instances),
    details: map,
    errors: [],
  };
}

/** An unreachable cluster. */
export function downSnapshot(cluster: string): ClusterSnapshot {
  return { cluster, ok: false, error: new Error('connect ECONNREFUSED') };
}
