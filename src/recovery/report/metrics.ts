/** The recoverer's metrics of the contract, registered on an injected prom-client Registry. */
import { Histogram, type Registry } from 'prom-client';
import { JobSeries, type JobFamily } from './job-series.js';
import {
  ATTEMPT_RESULTS,
  CATALOG_SKIP_REASONS,
  OUTCOMES,
  RESTORE_FROM,
  SKIP_REASONS,
  type AttemptResult,
  type Outcome,
  type RestoreFrom,
  type SkipReason,
} from '../model/reasons.js';

/** Buckets of time to recover, seconds: from a quick restart to a couple of hours of backoff. */
export const TIME_TO_RECOVER_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

export class RecoveryMetrics {
  private readonly attempts: JobFamily;
  private readonly episodes: JobFamily;
  private readonly skipped: JobFamily;
  private readonly inProgress: JobFamily;
  private readonly exhausted: JobFamily;
  private readonly paused: JobFamily;
  private readonly timeToRecover: Histogram<'cluster'>;

  /**
   * `onChange` is called after every change of a recoverer series: the service renders this registry again
   * only then (1,000 catalog jobs are ~26,000 series, 0.1 s of CPU per scrape through prom-client).
   */
  constructor(
    registry: Registry,
    private readonly onChange: () => void = () => undefined,
  ) {
    // The per-job families keep their numbers in one array per job (job-series.ts); their label values are the
    // closed sets of reasons.ts, so every series a job can ever have has its place from the start.
    const series = new JobSeries();
    this.attempts = series.family(
      {
        name: 'flink_recovery_attempts_total',
        help: 'Resubmissions of failed jobs, by restore point source and result',
        type: 'counter',
        slots: RESTORE_FROM.flatMap((restore_from) => ATTEMPT_RESULTS.map((result) => ({ restore_from, result }))),
      },
      registry,
    );
    this.episodes = series.family(
      {
        name: 'flink_recovery_episodes_total',
        help: 'Failure episodes that ended, by outcome (recovered, exhausted, abandoned)',
        type: 'counter',
        slots: OUTCOMES.map((outcome) => ({ outcome })),
      },
      registry,
    );
    this.skipped = series.family(
      {
        name: 'flink_recovery_skipped_total',
        help: 'Alerts that led to no recovery action, by reason',
        type: 'counter',
        slots: SKIP_REASONS.map((reason) => ({ reason })),
      },
      registry,
    );
    this.inProgress = series.family(
      {
        name: 'flink_recovery_in_progress',
        help: '1 while a recovery episode is open for the job',
        type: 'gauge',
        slots: [{}],
      },
      registry,
    );
    this.exhausted = series.family(
      {
        name: 'flink_recovery_exhausted',
        help: '1 once maxAttempts failed, until the job runs again or the episode is reset',
        type: 'gauge',
        slots: [{}],
      },
      registry,
    );
    this.paused = series.family(
      {
        name: 'flink_recovery_paused',
        help: '1 while an operator has paused the recovery of the job through the API',
        type: 'gauge',
        slots: [{}],
      },
      registry,
    );
    this.timeToRecover = new Histogram({
      name: 'flink_recovery_time_to_recover_seconds',
      help: "From the episode's failure moment (see failure_time_source) to its successor RUNNING",
      labelNames: ['cluster'],
      buckets: TIME_TO_RECOVER_BUCKETS,
      registers: [registry],
    });
  }

  /** Creates every series of a catalog job at 0, so rate() and absent-series alerts work from the start. */
  precreate(clusters: readonly string[], jobs: readonly { readonly cluster: string; readonly name: string }[]): void {
    for (const cluster of clusters) this.timeToRecover.zero({ cluster });
    for (const { cluster, name } of jobs) {
      for (const restore_from of RESTORE_FROM) {
        for (const result of ATTEMPT_RESULTS) this.attempts.inc(cluster, name, { restore_from, result }, 0);
      }
      for (const outcome of OUTCOMES) this.episodes.inc(cluster, name, { outcome }, 0);
      for (const reason of CATALOG_SKIP_REASONS) this.skipped.inc(cluster, name, { reason }, 0);
      this.inProgress.set(cluster, name, {}, 0);
      this.exhausted.set(cluster, name, {}, 0);
      this.paused.set(cluster, name, {}, 0);
    }
    this.onChange();
  }

  attempt(cluster: string, jobName: string, restore_from: RestoreFrom, result: AttemptResult): void {
    this.attempts.inc(cluster, jobName, { restore_from, result });
    this.onChange();
  }

  episodeEnded(cluster: string, jobName: string, outcome: Outcome): void {
    this.episodes.inc(cluster, jobName, { outcome });
    this.onChange();
  }

  skip(cluster: string, jobName: string, reason: SkipReason): void {
    this.skipped.inc(cluster, jobName, { reason });
    this.onChange();
  }

  /** Sets both gauges of a job from its episode status. */
  status(cluster: string, jobName: string, status: 'open' | 'exhausted' | 'closed'): void {
    this.inProgress.set(cluster, jobName, {}, status === 'open' ? 1 : 0);
    this.exhausted.set(cluster, jobName, {}, status === 'exhausted' ? 1 : 0);
    this.onChange();
  }

  setPaused(cluster: string, jobName: string, paused: boolean): void {
    this.paused.set(cluster, jobName, {}, paused ? 1 : 0);
    this.onChange();
  }

  recovered(cluster: string, seconds: number): void {
    this.timeToRecover.observe({ cluster }, seconds);
    this.onChange();
  }
}
