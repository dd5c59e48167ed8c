/** The recoverer's metrics (docs/reference.md), registered on an injected prom-client Registry. */
import { Histogram, type Registry } from 'prom-client';
import { JobSeries, type JobFamily, type ZeroPlaces } from './job-series.js';
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
  private readonly series = new JobSeries();
  private readonly attempts: JobFamily;
  private readonly episodes: JobFamily;
  private readonly skipped: JobFamily;
  private readonly inProgress: JobFamily;
  private readonly exhausted: JobFamily;
  private readonly paused: JobFamily;
  private readonly timeToRecover: Histogram<'cluster'>;

  /**
   * `onChange` is called after every change of a recoverer series: the service renders this registry again
   * only then (26 series per catalog job: rendering them on every scrape would cost CPU for nothing).
   */
  constructor(
    registry: Registry,
    private readonly onChange: () => void = () => undefined,
  ) {
    // The per-job families keep their numbers in one array per job (job-series.ts); their label values are the
    // closed sets of reasons.ts, so every series a job can ever have has its place from the start.
    this.attempts = this.series.family(
      {
        name: 'flink_recovery_attempts_total',
        help: 'Resubmissions of failed jobs, by restore point source and result',
        type: 'counter',
        slots: RESTORE_FROM.flatMap((restore_from) => ATTEMPT_RESULTS.map((result) => ({ restore_from, result }))),
      },
      registry,
    );
    this.episodes = this.series.family(
      {
        name: 'flink_recovery_episodes_total',
        help: 'Failure episodes that ended, by outcome (recovered, exhausted, abandoned)',
        type: 'counter',
        slots: OUTCOMES.map((outcome) => ({ outcome })),
      },
      registry,
    );
    this.skipped = this.series.family(
      {
        name: 'flink_recovery_skipped_total',
        help: 'Alerts that led to no recovery action, by reason',
        type: 'counter',
        slots: SKIP_REASONS.map((reason) => ({ reason })),
      },
      registry,
    );
    this.inProgress = this.series.family(
      {
        name: 'flink_recovery_in_progress',
        help: '1 while a recovery episode is open for the job',
        type: 'gauge',
        slots: [{}],
      },
      registry,
    );
    this.exhausted = this.series.family(
      {
        name: 'flink_recovery_exhausted',
        help: '1 once maxAttempts failed, until the job runs again or the episode is reset',
        type: 'gauge',
        slots: [{}],
      },
      registry,
    );
    this.paused = this.series.family(
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
    const places: ZeroPlaces = {
      counters: [
        ...this.attempts.places(
          RESTORE_FROM.flatMap((restore_from) => ATTEMPT_RESULTS.map((result) => ({ restore_from, result }))),
        ),
        ...this.episodes.places(OUTCOMES.map((outcome) => ({ outcome }))),
        ...this.skipped.places(CATALOG_SKIP_REASONS.map((reason) => ({ reason }))),
      ],
      gauges: [this.inProgress, this.exhausted, this.paused].flatMap((family) => family.places([{}])),
    };
    for (const { cluster, name } of jobs) this.series.zero(cluster, name, places);
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
