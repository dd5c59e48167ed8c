/** The fleet dashboard: every job flink-guardian watches against the availability objective, and the recoverer. */
import { BURN_RATE_STEPS, type DashboardSpec, OBJECTIVE_STEPS, type RowSpec, runbook } from './build.js';
import { RED_FROM_ONE, recoveryAnnotations, skippedPanel } from './shared.js';

const ROWS: RowSpec[] = [
  {
    title: 'Service level',
    runbook: runbook('FlinkJobAvailabilityBudgetBurn'),
    panels: [
      {
        kind: 'stat',
        title: 'Jobs RUNNING',
        description: 'Current instances RUNNING.',
        w: 4,
        h: 4,
        queries: [
          {
            expr: 'sum(cluster_state:flink_job_state:count{cluster=~"$cluster", state="RUNNING"}) or vector(0)',
            legend: '{{cluster}}',
          },
        ],
        thresholds: [['blue', null]],
        colorMode: 'background',
      },
      {
        kind: 'stat',
        title: 'Jobs not RUNNING',
        description: 'Jobs whose current instance is not RUNNING (flink_job_up == 0), CANCELED and FINISHED included.',
        w: 4,
        h: 4,
        queries: [
          {
            expr:
              'count(max by (cluster, job_name) (flink_job_up{cluster=~"$cluster", ' +
              'job_name=~"$job"}) == 0) or vector(0)',
            legend: '{{cluster}}',
          },
        ],
        thresholds: RED_FROM_ONE,
        colorMode: 'background',
      },
      {
        kind: 'stat',
        title: 'Clusters down',
        description: 'Clusters whose REST API did not answer the last scrape.',
        w: 4,
        h: 4,
        queries: [
          {
            expr: 'count(max by (cluster) (flink_cluster_up{cluster=~"$cluster"}) == 0) or vector(0)',
            legend: '{{cluster}}',
          },
        ],
        thresholds: RED_FROM_ONE,
        colorMode: 'background',
      },
      {
        kind: 'stat',
        title: 'Recovery success (7d)',
        description:
          'Recovered episodes over ended episodes (recovered, exhausted, abandoned), last 7 days. Objective 95%.',
        w: 4,
        h: 4,
        queries: [
          { expr: 'cluster:flink_recovery_episodes:success_ratio_7d{cluster=~"$cluster"}', legend: '{{cluster}}' },
        ],
        unit: 'percentunit',
        min: 0,
        max: 1,
        decimals: 3,
        thresholds: [
          ['red', null],
          ['green', 0.95],
        ],
        colorMode: 'background',
      },
      {
        kind: 'stat',
        title: 'Time to recover, p90 (1d)',
        description: "From the failed instance's end to its successor RUNNING. Objective: under 2 minutes.",
        w: 4,
        h: 4,
        queries: [
          { expr: 'cluster:flink_recovery_time_to_recover_seconds:p90_1d{cluster=~"$cluster"}', legend: '{{cluster}}' },
        ],
        unit: 's',
        thresholds: [
          ['green', null],
          ['red', 120],
        ],
        colorMode: 'background',
      },
      {
        kind: 'stat',
        title: 'Recoveries exhausted',
        description: 'Jobs flink-guardian gave up on (FlinkRecoveryExhausted).',
        w: 4,
        h: 4,
        queries: [
          {
            expr:
              'sum(max by (cluster, job_name) (flink_recovery_exhausted{cluster=~"$cluster", ' +
              'job_name=~"$job"})) or vector(0)',
            legend: '{{cluster}}',
          },
        ],
        thresholds: RED_FROM_ONE,
        colorMode: 'background',
      },
    ],
  },
  {
    title: 'Availability (objective 99.9% over 30 days)',
    runbook: runbook('FlinkJobAvailabilityBudgetBurn'),
    panels: [
      {
        kind: 'bargauge',
        title: 'Availability, 30 days',
        description:
          'cluster_job_name:flink_job_availability:ratio_30d per job against the 99.9% ' +
          'objective (red below it). CANCELED and FINISHED time is not counted.',
        w: 8,
        h: 8,
        queries: [
          {
            expr: 'cluster_job_name:flink_job_availability:ratio_30d{cluster=~"$cluster", job_name=~"$job"}',
            legend: '{{cluster}} / {{job_name}}',
          },
        ],
        unit: 'percentunit',
        min: 0.99,
        max: 1,
        decimals: 3,
        thresholds: OBJECTIVE_STEPS,
      },
      {
        kind: 'bargauge',
        title: 'Error budget left, 30 days',
        description: 'Share of the 30-day error budget (0.1% = 43 min) not yet spent; negative when overspent.',
        w: 8,
        h: 8,
        queries: [
          {
            expr:
              'cluster_job_name:flink_job_availability:error_budget_remaining_30d{cluster=~"$cluster", ' +
              'job_name=~"$job"}',
            legend: '{{cluster}} / {{job_name}}',
          },
        ],
        unit: 'percentunit',
        min: -1,
        max: 1,
        decimals: 1,
        thresholds: [
          ['red', null],
          ['orange', 0],
          ['green', 0.5],
        ],
      },
      {
        kind: 'timeseries',
        title: 'Burn rate, 1 hour window',
        description:
          'Error ratio over the last hour divided by the budget (0.001). 14.4 over 1h (and ' +
          '5m) pages; 1 spends the budget exactly in 30 days.',
        w: 8,
        h: 8,
        queries: [
          {
            expr:
              '(1 - cluster_job_name:flink_job_availability:ratio_1h{cluster=~"$cluster", ' +
              'job_name=~"$job"}) / (1 - 0.999)',
            legend: '{{cluster}} / {{job_name}}',
          },
        ],
        unit: 'x',
        min: 0,
        thresholds: BURN_RATE_STEPS,
        tooltip: ['multi', 'desc'],
        thresholdLine: true,
      },
      {
        kind: 'timeseries',
        title: 'Availability, 1 hour window, against the objective',
        description: 'Rolling one-hour availability per job; the red line is the 99.9% objective.',
        w: 12,
        h: 8,
        queries: [
          {
            expr: 'cluster_job_name:flink_job_availability:ratio_1h{cluster=~"$cluster", job_name=~"$job"}',
            legend: '{{cluster}} / {{job_name}}',
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
        kind: 'stateTimeline',
        title: 'Job RUNNING',
        description: 'flink_job_up per job: green while the current instance is RUNNING.',
        w: 12,
        h: 8,
        queries: [
          {
            expr: 'max by (cluster, job_name) (flink_job_up{cluster=~"$cluster", job_name=~"$job"})',
            legend: '{{cluster}} / {{job_name}}',
          },
        ],
        thresholds: [
          ['red', null],
          ['green', 1],
        ],
        mappings: { '0': ['down', 'red'], '1': ['RUNNING', 'green'] },
        legend: false,
      },
    ],
  },
  {
    title: 'Jobs',
    runbook: runbook('FlinkJobNotRunning'),
    panels: [
      {
        kind: 'timeseries',
        title: 'Jobs by state',
        description: 'Current instances per Flink job state.',
        w: 8,
        h: 8,
        queries: [
          { expr: 'cluster_state:flink_job_state:count{cluster=~"$cluster"}', legend: '{{cluster}} {{state}}' },
        ],
        min: 0,
        decimals: 0,
        tooltip: ['multi', 'desc'],
        stacked: true,
        fillOpacity: 30,
        stepAfter: true,
        legendTable: true,
      },
      {
        kind: 'timeseries',
        title: 'Flink restarts, 15 minutes',
        description:
          "Restarts of the current instance by Flink's own restart strategy. More than 2 " +
          'in 15 minutes is FlinkJobRestartLoop.',
        w: 8,
        h: 8,
        queries: [
          {
            expr:
              'max by (cluster, job_name) ' +
              '(increase(flink_job_restarts_total{cluster=~"$cluster", job_name=~"$job"}[15m]))',
            legend: '{{cluster}} / {{job_name}}',
          },
        ],
        min: 0,
        thresholds: [
          ['green', null],
          ['red', 2],
        ],
        tooltip: ['multi', 'desc'],
        thresholdLine: true,
      },
      {
        kind: 'table',
        title: 'Jobs',
        description: 'Current instance of every job: state, job id and uptime.',
        w: 8,
        h: 8,
        queries: [
          {
            expr: 'max by (cluster, job_name, state) (flink_job_state{cluster=~"$cluster", job_name=~"$job"}) == 1',
            instant: true,
            table: true,
          },
          {
            expr:
              'time() - max by (cluster, job_name) ' +
              '(flink_job_start_time_seconds{cluster=~"$cluster", job_name=~"$job"})',
            instant: true,
            table: true,
          },
        ],
        unit: 's',
        transformations: [
          { id: 'merge', options: {} },
          {
            id: 'organize',
            options: { excludeByName: { Time: true, 'Value #A': true }, renameByName: { 'Value #B': 'uptime' } },
          },
        ],
      },
    ],
  },
  {
    title: 'Checkpoints',
    runbook: runbook('FlinkCheckpointStalled'),
    panels: [
      {
        kind: 'timeseries',
        title: 'Checkpoint success ratio, 1 hour',
        description:
          'Completed over completed + failed checkpoints, last hour. Below 99% (with at ' +
          'least 2 failures) is FlinkCheckpointSuccessRateLow.',
        w: 8,
        h: 8,
        queries: [
          {
            expr: 'cluster_job_name:flink_job_checkpoints:success_ratio_rate1h{cluster=~"$cluster", job_name=~"$job"}',
            legend: '{{cluster}} / {{job_name}}',
          },
        ],
        unit: 'percentunit',
        max: 1,
        decimals: 3,
        thresholds: [
          ['red', null],
          ['green', 0.99],
        ],
        tooltip: ['multi', 'asc'],
        thresholdLine: true,
      },
      {
        kind: 'bargauge',
        title: 'Time since the last completed checkpoint',
        description:
          'Age of the latest completed checkpoint of the current instance. Over 10 minutes ' +
          'while RUNNING is FlinkCheckpointStalled.',
        w: 8,
        h: 8,
        queries: [
          {
            expr:
              'time() - max by (cluster, job_name) ' +
              '(flink_job_last_checkpoint_completed_timestamp_seconds{cluster=~"$cluster", ' +
              'job_name=~"$job"} > 0)',
            legend: '{{cluster}} / {{job_name}}',
            instant: true,
          },
        ],
        unit: 's',
        min: 0,
        thresholds: [
          ['green', null],
          ['orange', 300],
          ['red', 600],
        ],
      },
      {
        kind: 'table',
        title: 'Checkpoints that would not survive a failure',
        description:
          'Jobs that checkpoint without externalized (retained) checkpoints: Flink deletes ' +
          'them when the job FAILS, and a recovery loses the state ' +
          '(FlinkCheckpointsNotRetained).',
        w: 8,
        h: 8,
        queries: [
          {
            expr:
              'max by (cluster, job_name) ' +
              '(flink_job_checkpointing_enabled{cluster=~"$cluster", job_name=~"$job"}) == 1 ' +
              'and on (cluster, job_name) max by (cluster, job_name) ' +
              '(flink_job_checkpoints_retained{cluster=~"$cluster", job_name=~"$job"}) == 0',
            instant: true,
            table: true,
          },
        ],
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true } } }],
      },
    ],
  },
  {
    title: 'Recovery',
    runbook: runbook('FlinkRecoveryFailed'),
    panels: [
      {
        kind: 'timeseries',
        title: 'Recovery attempts',
        description: 'Resubmissions by flink-guardian, by result and restore point.',
        w: 8,
        h: 8,
        queries: [
          {
            expr:
              'sum by (result, restore_from) ' +
              '(increase(flink_recovery_attempts_total{cluster=~"$cluster", ' +
              'job_name=~"$job"}[$__rate_interval]))',
            legend: '{{result}} from {{restore_from}}',
          },
        ],
        min: 0,
        decimals: 0,
        tooltip: ['multi', 'desc'],
        bars: true,
        stacked: true,
        fillOpacity: 80,
      },
      {
        kind: 'timeseries',
        title: 'Time to recover',
        description:
          'Mean and 90th percentile over the last hour, per cluster. Objective: p90 under ' +
          '2 minutes (FlinkRecoveryTooSlow).',
        w: 8,
        h: 8,
        queries: [
          {
            expr: 'cluster:flink_recovery_time_to_recover_seconds:p90_1h{cluster=~"$cluster"}',
            legend: 'p90 {{cluster}}',
          },
          {
            expr: 'cluster:flink_recovery_time_to_recover_seconds:mean_1h{cluster=~"$cluster"}',
            legend: 'mean {{cluster}}',
          },
        ],
        unit: 's',
        min: 0,
        thresholds: [
          ['green', null],
          ['red', 120],
        ],
        tooltip: ['multi', 'desc'],
        thresholdLine: true,
      },
      {
        kind: 'timeseries',
        title: 'Recovery success ratio',
        description:
          'Recovered over ended episodes, per cluster, over 1 and 7 days. Objective 95% (FlinkRecoverySuccessRateLow).',
        w: 8,
        h: 8,
        queries: [
          { expr: 'cluster:flink_recovery_episodes:success_ratio_1d{cluster=~"$cluster"}', legend: '1d {{cluster}}' },
          { expr: 'cluster:flink_recovery_episodes:success_ratio_7d{cluster=~"$cluster"}', legend: '7d {{cluster}}' },
        ],
        unit: 'percentunit',
        min: 0,
        max: 1,
        decimals: 3,
        thresholds: [
          ['red', null],
          ['green', 0.95],
        ],
        tooltip: ['multi', 'asc'],
        thresholdLine: true,
      },
      skippedPanel('fleet', 'Webhook alerts flink-guardian skipped, by reason.'),
      {
        kind: 'timeseries',
        title: 'Webhook requests',
        description:
          'Alertmanager deliveries to flink-guardian by HTTP status. 401 means the ' +
          'credentials_file does not match webhook.bearerToken.',
        w: 8,
        h: 8,
        queries: [
          { expr: 'sum by (code) (rate(flink_guardian_webhook_requests_total[$__rate_interval]))', legend: '{{code}}' },
        ],
        unit: 'reqps',
        min: 0,
        tooltip: ['multi', 'desc'],
      },
      {
        kind: 'timeseries',
        title: 'Collection per cluster',
        description: "How long reading each cluster's REST API took at scrape time, and failed collections.",
        w: 8,
        h: 8,
        queries: [
          {
            expr: 'max by (cluster) (flink_guardian_scrape_duration_seconds{cluster=~"$cluster"})',
            legend: 'duration {{cluster}}',
          },
          {
            expr: 'sum by (cluster) (rate(flink_guardian_scrape_errors_total{cluster=~"$cluster"}[$__rate_interval]))',
            legend: 'errors/s {{cluster}}',
          },
        ],
        unit: 's',
        min: 0,
        tooltip: ['multi', 'desc'],
        rightAxis: { byRegexp: '^errors.*', unit: 'short' },
      },
    ],
  },
];

export const FLEET: DashboardSpec = {
  uid: 'flink-guardian-fleet',
  title: 'Flink jobs: fleet overview',
  description:
    'Availability against the 99.9% objective, error budget, checkpoints and automatic recovery for every Flink ' +
    'job flink-guardian watches.',
  tags: ['flink', 'flink-guardian', 'slo'],
  multi: true,
  link: {
    title: 'Job detail',
    url: '/d/flink-guardian-job?${datasource:queryparam}&${cluster:queryparam}&${job:queryparam}',
  },
  annotations: [...recoveryAnnotations('fleet')],
  rows: ROWS,
};
