/** One alert as the recoverer sees it, and the checks that need nothing but the alert and the config. */
import type { Config, JobSpec } from '../../config/schema.js';
import type { SkipReason } from '../model/reasons.js';

export interface IncomingAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly startsAt?: string;
  readonly fingerprint?: string;
}

export type Screened =
  | {
      readonly kind: 'skip';
      readonly reason: SkipReason;
      readonly cluster: string;
      readonly jobName: string;
      readonly alertname: string;
    }
  | {
      readonly kind: 'candidate';
      readonly cluster: string;
      readonly jobName: string;
      readonly alertname: string;
      readonly spec: JobSpec;
    };

/**
 * The `cluster` and `job_name` an alert about a job outside the catalog is counted and logged under: one value
 * for all of them, so an alert sender cannot add series (or memory) by inventing names.
 */
export const OUTSIDE_CATALOG = '__outside_catalog__';

/** Longest label value (alertname, fingerprint) that reaches a log line; longer ones are cut and marked. */
export const MAX_LABEL_CHARS = 200;

/** A label value cut to MAX_LABEL_CHARS. */
export function capLabel(value: string): string {
  return value.length <= MAX_LABEL_CHARS ? value : `${value.slice(0, MAX_LABEL_CHARS)}…`;
}

/**
 * Judges an alert by its own status and labels: only a firing alert with flink_recovery="auto", a configured
 * cluster and a catalog job may go on to look at Flink. Pure.
 */
export function screenAlert(alert: IncomingAlert, config: Pick<Config, 'clusters' | 'jobs'>): Screened {
  const cluster = alert.labels.cluster ?? '';
  const jobName = alert.labels.job_name ?? '';
  const alertname = capLabel(alert.labels.alertname ?? '');
  const spec = config.jobs.find((j) => j.cluster === cluster && j.name === jobName);
  // Names outside the catalog are the sender's words: they are counted and logged under one bounded value.
  const known = config.clusters.some((c) => c.name === cluster);
  const skip = (reason: SkipReason): Screened => ({
    kind: 'skip',
    reason,
    cluster: known ? cluster : OUTSIDE_CATALOG,
    jobName: spec === undefined ? OUTSIDE_CATALOG : jobName,
    alertname,
  });
  if (alert.status !== 'firing') return skip('resolved');
  if (alert.labels.flink_recovery !== 'auto') return skip('not_auto');
  if (cluster === '' || jobName === '') return skip('missing_labels');
  if (!known) return skip('unknown_cluster');
  if (spec === undefined) return skip('no_job_spec');
  return { kind: 'candidate', cluster, jobName, alertname, spec };
}
