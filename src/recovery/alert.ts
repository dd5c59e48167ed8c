/** One alert as the recoverer sees it, and the checks that need nothing but the alert and the config. */
import type { Config, JobSpec } from '../config/schema.js';
import type { SkipReason } from './reasons.js';

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
 * Judges an alert by its own status and labels: only a firing alert with flink_recovery="auto", a configured
 * cluster and a catalog job may go on to look at Flink. Pure.
 */
export function screenAlert(alert: IncomingAlert, config: Pick<Config, 'clusters' | 'jobs'>): Screened {
  const cluster = alert.labels.cluster ?? '';
  const jobName = alert.labels.job_name ?? '';
  const alertname = alert.labels.alertname ?? '';
  const skip = (reason: SkipReason): Screened => ({ kind: 'skip', reason, cluster, jobName, alertname });
  if (alert.status !== 'firing') return skip('resolved');
  if (alert.labels.flink_recovery !== 'auto') return skip('not_auto');
  if (cluster === '' || jobName === '') return skip('missing_labels');
  if (!config.clusters.some((c) => c.name === cluster)) return skip('unknown_cluster');
  const spec = config.jobs.find((j) => j.cluster === cluster && j.name === jobName);
  if (spec === undefined) return skip('no_job_spec');
  return { kind: 'candidate', cluster, jobName, alertname, spec };
}
