/** The per-job dashboard: what an operator opening it at 3 a.m. needs first, then the history behind it. */
import {
  BURN_RATE_STEPS,
  type DashboardSpec,
  OBJECTIVE_STEPS,
  type PanelSpec,
  type RowSpec,
  runbook,
} from './build.js';
import { recoveryAnnotations, skippedPanel } from './shared.js';

/** The job's availability over one of the recording rules' windows, against the objective. */
function availabilityStat(window: '1h' | '30d'): PanelSpec {
  return {
    kind: 'stat',
    title: `Availability ${window}`,
    w: 4,
    h: 4,
    queries: [
      {
        expr: `cluster_job_name:flink_job_availability:ratio_${window}{cluster="$cluster", job_name="$job"}`,
        instant: true,
      },
    ],
    unit: 'percentunit',
    min: 0,
    max: 1,
    decimals: 3,
    thresholds: OBJECTIVE_STEPS,
    colorMode: 'value',
  };
}

const ROWS: RowSpec[] = [
  {
    title: 'Now',
    runbook: runbook('FlinkJobNotRunning'),
    panels: [
      {
        kind: 'stat',
        title: 'State',
        description: 'Flink state of the current instance.',
        w: 4,
        h: 4,
        queries: [
          {
            expr: 'max by (state) (flink_job_state{cluster="$cluster", job_name="$job"}) == 1',
            legend: '{{state}}',
            instant: true,
          },
        ],
        thresholds: [['blue', null]],
        colorMode: 'value',
        textMode: 'name',
      },
      {
        kind: 'stat',
        title: 'Job id',
        description: 'JobID of the current instance (Flink gives each submission a new one).',
        w: 4,
        h: 4,
        queries: [
          {
            expr: 'max by (job_id) (flink_job_info{cluster="$cluster", job_name="$job"})',
            legend: '{{job_id}}',
            instant: true,
          },
        ],
        thresholds: [['blue', null]],
        colorMode: 'value',
        textMode: 'name',
      },
      {
        kind: 'stat',
        title: 'Uptime',
        description: 'Since the current instance started.',
        w: 4,
        h: 4,
        queries: [
          { expr: 'time() - max(flink_job_start_time_seconds{cluster="$cluster", job_name="$job"})', instant: true },
        ],
        unit: 's',
        thresholds: [['blue', null]],
        colorMode: 'value',
      },
      availabilityStat('1h'),
      availabilityStat('30d'),
      {
        kind: 'stat',
        title: 'Error budget left',
        description: 'Share of the 30-day error budget not yet spent.',
        w: 4,
        h: 4,
        queries: [
          {
            expr:
              'cluster_job_name:flink_job_availability:error_budget_remaining_30d{cluster="$cluster", ' +
              'job_name="$job"}',
            instant: true,
          },
        ],
        unit: 'percentunit',
        decimals: 1,
        thresholds: [
          ['red', null],
          ['orange', 0],
          ['green', 0.5],
        ],
        colorMode: 'value',
      },
      {
        kind: 'stateTimeline',
        title: 'State',
        description:
          "The current instance's Flink state over time; a new instance after a recovery " +
          'starts in INITIALIZING/CREATED.',
        w: 24,
        h: 6,
        queries: [
          { expr: 'max by (state) (flink_job_state{cluster="$cluster", job_name="$job"}) == 1', legend: '{{state}}' },
        ],
      },
    ],
  },
  {
    title: 'Availability',
    runbook: runbook('FlinkJobAvailabilityBudgetBurn'),
    panels: [
      {
        kind: 'timeseries',
        title: 'Availability by window',
        description: 'The recorded windows that the burn-rate alerts compare (objective 99.9%).',
        w: 12,
        h: 8,
        queries: [
          {
            expr: 'cluster_job_name:flink_job_availability:ratio_5m{cluster="$cluster", job_name="$job"}',
            legend: '5m',
          },
          {
            expr: 'cluster_job_name:flink_job_availability:ratio_1h{cluster="$cluster", job_name="$job"}',
            legend: '1h',
          },
          {
            expr: 'cluster_job_name:flink_job_availability:ratio_6h{cluster="$cluster", job_name="$job"}',
            legend: '6h',
          },
          {
            expr: 'cluster_job_name:flink_job_availability:ratio_1d{cluster="$cluster", job_name="$job"}',
            legend: '1d',
          },
          {
            expr: 'cluster_job_name:flink_job_availability:ratio_30d{cluster="$cluster", job_name="$job"}',
            legend: '30d',
          },
        ],
        unit: 'percentunit',
        max: 1,
        decimals: 3,
        thresholds: OBJECTIVE_STEPS,
        tooltip: ['multi', 'asc'],
        thresholdLine: true,
      },
      {
        kind: 'timeseries',
        title: 'Burn rate',
        description:
          'Error ratio divided by the 0.1% budget: page when 1h and 5m are both over 14.4 ' +
          '(or 6h and 30m over 6); ticket when 1d and 2h are over 3 (or 3d and 6h over 1).',
        w: 12,
        h: 8,
        queries: [
          {
            expr:
              '(1 - cluster_job_name:flink_job_availability:ratio_5m{cluster="$cluster", ' +
              'job_name="$job"}) / (1 - 0.999)',
            legend: '5m',
          },
          {
            expr:
              '(1 - cluster_job_name:flink_job_availability:ratio_1h{cluster="$cluster", ' +
              'job_name="$job"}) / (1 - 0.999)',
            legend: '1h',
          },
          {
            expr:
              '(1 - cluster_job_name:flink_job_availability:ratio_6h{cluster="$cluster", ' +
              'job_name="$job"}) / (1 - 0.999)',
            legend: '6h',
          },
          {
            expr:
              '(1 - cluster_job_name:flink_job_availability:ratio_1d{cluster="$cluster", ' +
              'job_name="$job"}) / (1 - 0.999)',
            legend: '1d',
          },
          {
            expr:
              '(1 - cluster_job_name:flink_job_availability:ratio_3d{cluster="$cluster", ' +
              'job_name="$job"}) / (1 - 0.999)',
            legend: '3d',
          },
        ],
        unit: 'x',
        min: 0,
        thresholds: BURN_RATE_STEPS,
        tooltip: ['multi', 'desc'],
        thresholdLine: true,
        logScale: true,
      },
    ],
  },
  {
    title: 'Restarts and checkpoints',
    runbook: runbook('FlinkCheckpointStalled'),
    panels: [
      {
        kind: 'timeseries',
        title: 'Flink restarts',
        description: "Restarts by Flink's restart strategy (per interval, and over 15 minutes).",
        w: 8,
        h: 8,
        queries: [
          {
            expr: 'max(increase(flink_job_restarts_total{cluster="$cluster", job_name="$job"}[$__rate_interval]))',
            legend: 'per interval',
          },
          {
            expr: 'max(increase(flink_job_restarts_total{cluster="$cluster", job_name="$job"}[15m]))',
            legend: 'last 15m',
          },
        ],
        min: 0,
        tooltip: ['multi', 'desc'],
      },
      {
        kind: 'timeseries',
        title: 'Checkpoints',
        description: 'Completed and failed checkpoints per minute, and checkpoints in progress.',
        w: 8,
        h: 8,
        queries: [
          {
            expr:
              'sum by (result) (rate(flink_job_checkpoints_total{cluster="$cluster", ' +
              'job_name="$job"}[$__rate_interval])) * 60',
            legend: '{{result}}/min',
          },
          {
            expr: 'max(flink_job_checkpoints_in_progress{cluster="$cluster", job_name="$job"})',
            legend: 'in progress',
          },
        ],
        min: 0,
        tooltip: ['multi', 'desc'],
      },
      {
        kind: 'timeseries',
        title: 'Time since the last completed checkpoint',
        description: 'Over 10 minutes while RUNNING is FlinkCheckpointStalled.',
        w: 8,
        h: 8,
        queries: [
          {
            expr:
              'time() - ' +
              'max(flink_job_last_checkpoint_completed_timestamp_seconds{cluster="$cluster", ' +
              'job_name="$job"} > 0)',
            legend: 'age',
          },
        ],
        unit: 's',
        min: 0,
        thresholds: [
          ['green', null],
          ['red', 600],
        ],
        tooltip: ['single', 'none'],
        thresholdLine: true,
      },
      {
        kind: 'timeseries',
        title: 'Last checkpoint duration and size',
        w: 12,
        h: 8,
        queries: [
          {
            expr: 'max(flink_job_last_checkpoint_duration_seconds{cluster="$cluster", job_name="$job"})',
            legend: 'duration',
          },
          { expr: 'max(flink_job_last_checkpoint_size_bytes{cluster="$cluster", job_name="$job"})', legend: 'size' },
        ],
        unit: 's',
        min: 0,
        tooltip: ['multi', 'none'],
        rightAxis: { byName: 'size', unit: 'bytes' },
      },
      {
        kind: 'stat',
        title: 'Checkpoint setup',
        description: 'Checkpointing enabled, and checkpoints retained (externalized) so that they survive a failure.',
        w: 6,
        h: 8,
        queries: [
          {
            expr: 'max(flink_job_checkpointing_enabled{cluster="$cluster", job_name="$job"})',
            legend: 'enabled',
            instant: true,
          },
          {
            expr: 'max(flink_job_checkpoints_retained{cluster="$cluster", job_name="$job"})',
            legend: 'retained',
            instant: true,
          },
        ],
        thresholds: [
          ['orange', null],
          ['green', 1],
        ],
        mappings: { '0': ['no', 'orange'], '1': ['yes', 'green'] },
        colorMode: 'background',
        textMode: 'value_and_name',
      },
      {
        kind: 'stat',
        title: 'Checkpoint success, 1h / 1d',
        w: 6,
        h: 8,
        queries: [
          {
            expr: 'cluster_job_name:flink_job_checkpoints:success_ratio_rate1h{cluster="$cluster", job_name="$job"}',
            legend: '1h',
            instant: true,
          },
          {
            expr: 'cluster_job_name:flink_job_checkpoints:success_ratio_rate1d{cluster="$cluster", job_name="$job"}',
            legend: '1d',
            instant: true,
          },
        ],
        unit: 'percentunit',
        min: 0,
        max: 1,
        decimals: 3,
        thresholds: [
          ['red', null],
          ['green', 0.99],
        ],
        colorMode: 'value',
        graphMode: 'area',
        textMode: 'value_and_name',
      },
    ],
  },
  {
    title: 'Recovery',
    runbook: runbook('FlinkRecoveryFailed'),
    panels: [
      {
        kind: 'timeseries',
        title: 'Recovery episode',
        description:
          'An episode is open while flink-guardian drives a recovery; exhausted once every ' +
          'attempt failed (reset through the API).',
        w: 8,
        h: 8,
        queries: [
          { expr: 'max(flink_recovery_in_progress{cluster="$cluster", job_name="$job"})', legend: 'in progress' },
          { expr: 'max(flink_recovery_exhausted{cluster="$cluster", job_name="$job"})', legend: 'exhausted' },
        ],
        min: 0,
        max: 1,
        tooltip: ['multi', 'none'],
        fillOpacity: 20,
        stepAfter: true,
      },
      {
        kind: 'stat',
        title: 'Restore point used',
        description:
          'Where the attempts in the selected time range restored from (the newest retained checkpoint, a ' +
          'savepoint, or none) and how they ended. The exact path of each is in GET /api/v1/recoveries and in ' +
          "the audit log line's restore_point field.",
        w: 8,
        h: 8,
        queries: [
          {
            expr:
              'sum by (restore_from, result) (increase(flink_recovery_attempts_total{cluster="$cluster", ' +
              'job_name="$job"}[$__range])) > 0',
            legend: '{{restore_from}}, {{result}}',
            instant: true,
          },
        ],
        decimals: 0,
        thresholds: [['blue', null]],
        colorMode: 'value',
        textMode: 'value_and_name',
      },
      {
        kind: 'timeseries',
        title: 'Recovery attempts and outcomes',
        description: 'Resubmissions by result and restore point, and ended episodes by outcome.',
        w: 8,
        h: 8,
        queries: [
          {
            expr:
              'sum by (result, restore_from) ' +
              '(increase(flink_recovery_attempts_total{cluster="$cluster", ' +
              'job_name="$job"}[$__rate_interval]))',
            legend: 'attempt {{result}} from {{restore_from}}',
          },
          {
            expr:
              'sum by (outcome) (increase(flink_recovery_episodes_total{cluster="$cluster", ' +
              'job_name="$job"}[$__rate_interval]))',
            legend: 'episode {{outcome}}',
          },
        ],
        min: 0,
        decimals: 0,
        tooltip: ['multi', 'desc'],
        bars: true,
        fillOpacity: 80,
      },
      skippedPanel('job', 'Webhook alerts for this job that flink-guardian skipped, by reason.'),
    ],
  },
];

export const JOB: DashboardSpec = {
  uid: 'flink-guardian-job',
  title: 'Flink jobs: job detail',
  description:
    "One Flink job: state, availability and burn rate, restarts, checkpoints and flink-guardian's recoveries.",
  tags: ['flink', 'flink-guardian'],
  multi: false,
  link: { title: 'Fleet overview', url: '/d/flink-guardian-fleet?${datasource:queryparam}&${cluster:queryparam}' },
  annotations: [
    // The failure itself: a region from the trigger firing to its resolve, i.e. the whole episode.
    {
      name: 'Failures (recovery triggers firing)',
      color: 'red',
      expr:
        'max by (cluster, job_name, alertname) (ALERTS{alertname=~"FlinkJobFailed|FlinkJobMissing", ' +
        'alertstate="firing", cluster="$cluster", job_name="$job"})',
      title: '{{alertname}}',
      text: '{{cluster}}/{{job_name}}: flink-guardian resubmits it',
      tags: 'cluster,job_name,alertname',
    },
    ...recoveryAnnotations('job'),
  ],
  rows: ROWS,
};
