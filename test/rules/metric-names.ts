/**
 * The names rules and dashboards may use: what flink-guardian exports (the metric tables of
 * docs/reference.md), what Prometheus adds itself, and the alert names the reference fixes.
 * Recorded series are taken from the rule files themselves. A change here changes the public reference.
 */

/** Every metric flink-guardian exports, as in the reference's tables. */
export const EXPORTED_METRICS = [
  // exporter
  'flink_cluster_up',
  'flink_cluster_info',
  'flink_cluster_taskmanagers',
  'flink_cluster_slots_total',
  'flink_cluster_slots_available',
  'flink_job_info',
  'flink_job_state',
  'flink_job_up',
  'flink_job_missing',
  'flink_job_start_time_seconds',
  'flink_job_restarts_total',
  'flink_job_checkpointing_enabled',
  'flink_job_checkpoints_retained',
  'flink_job_checkpoints_total',
  'flink_job_checkpoints_in_progress',
  'flink_job_last_checkpoint_completed_timestamp_seconds',
  'flink_job_last_checkpoint_duration_seconds',
  'flink_job_last_checkpoint_size_bytes',
  // recoverer
  'flink_recovery_attempts_total',
  'flink_recovery_episodes_total',
  'flink_recovery_skipped_total',
  'flink_recovery_in_progress',
  'flink_recovery_exhausted',
  'flink_recovery_paused',
  'flink_recovery_time_to_recover_seconds',
  'flink_guardian_scrape_duration_seconds',
  'flink_guardian_scrape_errors_total',
  'flink_guardian_webhook_requests_total',
  'flink_guardian_build_info',
] as const;

/** The histograms among them: they appear in PromQL as _bucket, _sum and _count. */
export const HISTOGRAMS = ['flink_recovery_time_to_recover_seconds'] as const;

/** Series Prometheus writes itself: `up` for every target, `ALERTS` for every pending or firing alert. */
export const PROMETHEUS_SERIES = ['up', 'ALERTS'] as const;

/** The names PromQL in rules and dashboards may select (recorded series aside). */
export function selectableMetricNames(): Set<string> {
  const names = new Set<string>(PROMETHEUS_SERIES);
  for (const name of EXPORTED_METRICS) {
    if ((HISTOGRAMS as readonly string[]).includes(name)) {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    } else {
      names.add(name);
    }
  }
  return names;
}

/** The alerts that trigger recovery, with the labels the webhook acts on. */
export const RECOVERY_ALERTS = ['FlinkJobFailed', 'FlinkJobMissing'] as const;

/** Every alert name docs/reference.md fixes (its alert table). */
export const REFERENCE_ALERTS = [
  ...RECOVERY_ALERTS,
  'FlinkJobNotRunning',
  'FlinkJobRestartLoop',
  'FlinkCheckpointStalled',
  'FlinkCheckpointSuccessRateLow',
  'FlinkCheckpointsNotRetained',
  'FlinkRecoveryFailed',
  'FlinkRecoveryExhausted',
  'FlinkRecoverySuccessRateLow',
  'FlinkRecoveryTooSlow',
  'FlinkJobAvailabilityBudgetBurn',
  'FlinkClusterDown',
  'FlinkGuardianDown',
] as const;
