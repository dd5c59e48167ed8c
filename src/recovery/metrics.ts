/** The recoverer's metrics of the contract, registered on an injected prom-client Registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ATTEMPT_RESULTS, CATALOG_SKIP_REASONS, OUTCOMES, RESTORE_FROM, type AttemptResult, type Outcome, type RestoreFrom, type SkipReason } from './reasons.js';

/** Buckets of time to recover, seconds: from a quick restart to a couple of hours of backoff. */
export const TIME_TO_RECOVER_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

export class RecoveryMetrics {
  private readonly attempts: Counter<'cluster' | 'job_name' | 'restore_from' | 'result'>;
  private readonly episodes: Counter<'cluster' | 'job_name' | 'outcome'>;
  private readonly skipped: Counter<'cluster' | 'job_name' | 'reason'>;
  private readonly inProgress: Gauge<'cluster' | 'job_name'>;
  private readonly exhausted: Gauge<'cluster' | 'job_name'>;
  private readonly timeToRecover: Histogram<'cluster'>;

  /**
   * `onChange` is called after every change of a recoverer series: the service renders this registry again
   * only then (1,000 catalog jobs are ~26,000 series, 0.1 s of CPU per scrape through prom-client).
   */
  constructor(
    registry: Registry,
    private readonly onChange: () => void = () => undefined,
  ) {
    const registers = [registry];
    this.attempts = new Counter({
      name: 'flink_recovery_attempts_total',
      help: 'Resubmissions of failed jobs, by restore point source and result',
      labelNames: ['cluster', 'job_name', 'restore_from', 'result'],
      registers,
    });
    this.episodes = new Counter({
      name: 'flink_recovery_episodes_total',
      help: 'Failure episodes that ended, by outcome (recovered, exhausted, abandoned)',
      labelNames: ['cluster', 'job_name', 'outcome'],
      registers,
    });
    this.skipped = new Counter({
      name: 'flink_recovery_skipped_total',
      help: 'Alerts that led to no recovery action, by reason',
      labelNames: ['cluster', 'job_name', 'reason'],
      registers,
    });
    this.inProgress = new Gauge({
      name: 'flink_recovery_in_progress',
      help: '1 while a recovery episode is open for the job',
      labelNames: ['cluster', 'job_name'],
      registers,
    });
    this.exhausted = new Gauge({
      name: 'flink_recovery_exhausted',
      help: '1 once maxAttempts failed, until the job runs again or the episode is reset',
      labelNames: ['cluster', 'job_name'],
      registers,
    });
    this.timeToRecover = new Histogram({
      name: 'flink_recovery_time_to_recover_seconds',
      help: "From the failed instance's end time to its successor RUNNING",
      labelNames: ['cluster'],
      buckets: TIME_TO_RECOVER_BUCKETS,
      registers,
    });
  }

  /** Creates every series of a catalog job at 0, so rate() and absent-series alerts work from the start. */
  precreate(clusters: readonly string[], jobs: readonly { readonly cluster: string; readonly name: string }[]): void {
    for (const cluster of clusters) this.timeToRecover.zero({ cluster });
    for (const { cluster, name: job_name } of jobs) {
      for (const restore_from of RESTORE_FROM) {
        for (const result of ATTEMPT_RESULTS) this.attempts.inc({ cluster, job_name, restore_from, result }, 0);
      }
      for (const outcome of OUTCOMES) this.episodes.inc({ cluster, job_name, outcome }, 0);
      for (const reason of CATALOG_SKIP_REASONS) this.skipped.inc({ cluster, job_name, reason }, 0);
      this.inProgress.set({ cluster, job_name }, 0);
      this.exhausted.set({ cluster, job_name }, 0);
    }
    this.onChange();
  }

  attempt(cluster: string, job_name: string, restore_from: RestoreFrom, result: AttemptResult): void {
    this.attempts.inc({ cluster, job_name, restore_from, result });
    this.onChange();
  }

  episodeEnded(cluster: string, job_name: string, outcome: Outcome): void {
    this.episodes.inc({ cluster, job_name, outcome });
    this.onChange();
  }

  skip(cluster: string, job_name: string, reason: SkipReason): void {
    this.skipped.inc({ cluster, job_name, reason });
    this.onChange();
  }

  /** Sets both gauges of a job from its episode status. */
  status(cluster: string, job_name: string, status: 'open' | 'exhausted' | 'closed'): void {
    this.inProgress.set({ cluster, job_name }, status === 'open' ? 1 : 0);
    this.exhausted.set({ cluster, job_name }, status === 'exhausted' ? 1 : 0);
    this.onChange();
  }

  recovered(cluster: string, seconds: number): void {
    this.timeToRecover.observe({ cluster }, seconds);
    this.onChange();
  }
}
