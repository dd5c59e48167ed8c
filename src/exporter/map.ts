/**
 * The pure mapping from cluster snapshots to the exporter's metric families. Everything a scrape exposes is
 * decided here, from the snapshots alone: a job Flink no longer lists produces no series.
 */
import type { JobSpec } from '../config/schema.js';
import { JOB_STATES } from '../flink/job-state.js';
import type { JobOverview } from '../flink/types.js';
import type { RememberedJob } from '../state/job-memory.js';
import { currentInstances } from '../flink/current-instance.js';
import { FamilyBuilder, type Labels, type MetricFamily } from './families.js';
import { EXPORTER_METRICS, type ExporterMetric } from './metric-defs.js';
import type { ClusterSnapshot, JobDetails } from './snapshot.js';

/** What is remembered of a job; the mapping reads it only to tell a lost job from one stopped on purpose. */
export type MemoryLookup = (cluster: string, jobName: string) => RememberedJob | undefined;

type Add = (name: ExporterMetric, labels: Labels, value: number) => void;

type Pair = readonly [string, string];

/** The `state` pairs, shared by every job's flink_job_state samples; in exposition order, so no sorting is left. */
const STATE_PAIRS: readonly Pair[] = [...JOB_STATES].sort().map((state) => ['state', state] as const);
const COMPLETED: Pair = ['result', 'completed'];
const FAILED: Pair = ['result', 'failed'];

function mapDetails(add: Add, labels: Labels, details: JobDetails): void {
  if (details.restarts !== undefined) add('flink_job_restarts_total', labels, details.restarts);
  const { checkpoints } = details;
  add('flink_job_checkpointing_enabled', labels, checkpoints.enabled ? 1 : 0);
  add('flink_job_checkpoints_retained', labels, checkpoints.enabled && details.checkpointConfig?.externalized === true ? 1 : 0);
  if (!checkpoints.enabled) return;
  const { stats } = checkpoints;
  add('flink_job_checkpoints_total', [...labels, COMPLETED], stats.completed);
  add('flink_job_checkpoints_total', [...labels, FAILED], stats.failed);
  add('flink_job_checkpoints_in_progress', labels, stats.inProgress);
  const last = stats.latestCompleted;
  if (last === undefined) return;
  add('flink_job_last_checkpoint_completed_timestamp_seconds', labels, last.completedAt / 1000);
  add('flink_job_last_checkpoint_duration_seconds', labels, last.durationMs / 1000);
  add('flink_job_last_checkpoint_size_bytes', labels, last.sizeBytes);
}

function mapJob(add: Add, cluster: Pair, job: JobOverview, details: JobDetails | undefined, inCatalog: boolean): void {
  // One label list per job, shared by its samples (they are never mutated).
  const name: Pair = ['job_name', job.name];
  const labels: Labels = [cluster, name];
  add('flink_job_info', [cluster, name, ['job_id', job.jobId]], 1);
  for (const pair of STATE_PAIRS) add('flink_job_state', [cluster, name, pair], pair[1] === job.state ? 1 : 0);
  add('flink_job_up', labels, job.state === 'RUNNING' ? 1 : 0);
  if (inCatalog) add('flink_job_missing', labels, 0);
  add('flink_job_start_time_seconds', labels, job.startTime / 1000);
  if (details !== undefined) mapDetails(add, labels, details);
}

function mapCluster(add: Add, snapshot: ClusterSnapshot, catalog: readonly JobSpec[], remembered: MemoryLookup): void {
  const { cluster } = snapshot;
  const clusterPair: Pair = ['cluster', cluster];
  const clusterOnly: Labels = [clusterPair];
  add('flink_cluster_up', clusterOnly, snapshot.up ? 1 : 0);
  // An unreachable cluster says nothing about its jobs: no job series, and no job is called missing.
  if (!snapshot.up) return;
  const { overview } = snapshot;
  add('flink_cluster_info', [clusterPair, ['flink_version', overview.flinkVersion]], 1);
  add('flink_cluster_taskmanagers', clusterOnly, overview.taskManagers);
  add('flink_cluster_slots_total', clusterOnly, overview.slotsTotal);
  add('flink_cluster_slots_available', clusterOnly, overview.slotsAvailable);
  const catalogNames = new Set(catalog.filter((j) => j.cluster === cluster).map((j) => j.name));
  const current = currentInstances(snapshot.jobs);
  // In name order, so the samples arrive nearly sorted and the final sort has little to do.
  const byName = [...current.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const job of byName) mapJob(add, clusterPair, job, snapshot.details.get(job.jobId), catalogNames.has(job.name));
  for (const name of catalogNames) {
    if (current.has(name)) continue;
    const labels: Labels = [clusterPair, ['job_name', name]];
    const last = remembered(cluster, name)?.lastState;
    if (last === 'CANCELED' || last === 'FINISHED') {
      // Stopped on purpose: not missing, and not counted against availability either.
      add('flink_job_missing', labels, 0);
      continue;
    }
    add('flink_job_missing', labels, 1);
    add('flink_job_up', labels, 0);
  }
}

/** Maps every cluster's snapshot to the exporter's metric families (sorted, deterministic). */
export function mapSnapshot(snapshots: readonly ClusterSnapshot[], catalog: readonly JobSpec[], remembered: MemoryLookup): MetricFamily[] {
  const builder = new FamilyBuilder(EXPORTER_METRICS);
  const add: Add = (name, labels, value) => builder.push(name, labels, value);
  for (const snapshot of snapshots) mapCluster(add, snapshot, catalog, remembered);
  return builder.build();
}
