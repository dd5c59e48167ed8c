/**
 * The exporter's metric families (docs/reference.md): names, types, label names and help text. Changing a name
 * or a label breaks users. The reference's metric table is generated from this (`npm run docs`).
 */
import type { MetricType } from './families.js';

export const EXPORTER_METRICS = {
  flink_cluster_up: {
    type: 'gauge',
    labels: ['cluster'],
    help: '1 when the Flink REST API answered this scrape, else 0',
  },
  flink_cluster_info: { type: 'gauge', labels: ['cluster', 'flink_version'], help: 'Flink cluster version; always 1' },
  flink_cluster_taskmanagers: { type: 'gauge', labels: ['cluster'], help: 'Registered TaskManagers' },
  flink_cluster_slots_total: { type: 'gauge', labels: ['cluster'], help: 'Task slots' },
  flink_cluster_slots_available: { type: 'gauge', labels: ['cluster'], help: 'Free task slots' },
  flink_job_info: {
    type: 'gauge',
    labels: ['cluster', 'job_name', 'job_id'],
    help: 'JobID of the current instance of the job; always 1',
  },
  flink_job_state: {
    type: 'gauge',
    labels: ['cluster', 'job_name', 'state'],
    help: "1 for the current instance's state, 0 for every other Flink job state",
  },
  flink_job_up: {
    type: 'gauge',
    labels: ['cluster', 'job_name'],
    help: '1 when the current instance is RUNNING, else 0',
  },
  flink_job_missing: {
    type: 'gauge',
    labels: ['cluster', 'job_name'],
    help: 'A catalog job with no instance at all in its reachable cluster that was not last seen CANCELED or FINISHED',
  },
  flink_job_start_time_seconds: {
    type: 'gauge',
    labels: ['cluster', 'job_name'],
    help: 'Start of the current instance, Unix seconds',
  },
  flink_job_restarts_total: {
    type: 'counter',
    labels: ['cluster', 'job_name'],
    help: "Flink's numRestarts of the current instance",
  },
  flink_job_checkpointing_enabled: {
    type: 'gauge',
    labels: ['cluster', 'job_name'],
    help: '1 when the job checkpoints',
  },
  flink_job_checkpoints_retained: {
    type: 'gauge',
    labels: ['cluster', 'job_name'],
    help: '1 when its checkpoints are externalized and survive a failure',
  },
  flink_job_checkpoints_total: {
    type: 'counter',
    labels: ['cluster', 'job_name', 'result'],
    help: 'Checkpoints of the current instance by result (completed, failed)',
  },
  flink_job_checkpoints_in_progress: {
    type: 'gauge',
    labels: ['cluster', 'job_name'],
    help: 'Checkpoints in progress',
  },
  flink_job_last_checkpoint_completed_timestamp_seconds: {
    type: 'gauge',
    labels: ['cluster', 'job_name'],
    help: 'Completion time of the latest completed checkpoint, Unix seconds',
  },
  flink_job_last_checkpoint_duration_seconds: {
    type: 'gauge',
    labels: ['cluster', 'job_name'],
    help: 'End-to-end duration of the latest completed checkpoint',
  },
  flink_job_last_checkpoint_size_bytes: {
    type: 'gauge',
    labels: ['cluster', 'job_name'],
    help: 'Checkpointed size of the latest completed checkpoint',
  },
} as const satisfies Record<
  string,
  { readonly type: MetricType; readonly labels: readonly string[]; readonly help: string }
>;

export type ExporterMetric = keyof typeof EXPORTER_METRICS;
