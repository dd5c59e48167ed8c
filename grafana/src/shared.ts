/**
 * Panels and annotations both dashboards show, differing only in how they select jobs: the fleet dashboard's
 * variables select several values (regex matchers), the job dashboard's one.
 */
import type { AnnotationSpec, PanelSpec, Step } from './build.js';

export type Scope = 'fleet' | 'job';

/** The label matchers of the dashboard's `cluster` and `job` variables. */
export function jobSelector(scope: Scope): string {
  return scope === 'fleet' ? 'cluster=~"$cluster", job_name=~"$job"' : 'cluster="$cluster", job_name="$job"';
}

/** A count of things that should be zero: green at none, red from one. */
export const RED_FROM_ONE: Step[] = [
  ['green', null],
  ['red', 1],
];

/** Webhook alerts flink-guardian skipped, stacked by reason. */
export function skippedPanel(scope: Scope, description: string): PanelSpec {
  return {
    kind: 'timeseries',
    title: 'Alerts that led to no action',
    description,
    w: 8,
    h: 8,
    queries: [
      {
        expr: `sum by (reason) (increase(flink_recovery_skipped_total{${jobSelector(scope)}}[$__rate_interval]))`,
        legend: '{{reason}}',
      },
    ],
    min: 0,
    tooltip: ['multi', 'desc'],
    bars: true,
    stacked: true,
    fillOpacity: 80,
  };
}

/** Each recovery attempt and each ended episode as an annotation. */
export function recoveryAnnotations(scope: Scope): AnnotationSpec[] {
  const selector = jobSelector(scope);
  return [
    {
      name: 'Recovery attempts',
      color: 'orange',
      expr:
        'sum by (cluster, job_name, restore_from, result) ' +
        `(increase(flink_recovery_attempts_total{${selector}}[$__rate_interval])) > 0`,
      title: 'Recovery attempt {{result}}',
      text: '{{cluster}}/{{job_name}} restored from {{restore_from}}',
      tags: 'cluster,job_name,result',
    },
    {
      name: 'Recovery episodes ended',
      color: 'green',
      expr:
        'sum by (cluster, job_name, outcome) ' +
        `(increase(flink_recovery_episodes_total{${selector}}[$__rate_interval])) > 0`,
      title: 'Recovery episode {{outcome}}',
      text: '{{cluster}}/{{job_name}}',
      tags: 'cluster,job_name,outcome',
    },
  ];
}
