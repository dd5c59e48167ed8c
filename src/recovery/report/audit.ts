/**
 * Telling people: one structured log line per decision and per attempt, the metrics of docs/reference.md and the
 * optional Alertmanager notices, all from the same events so the three never disagree.
 */
import type { Clock } from '../../clock.js';
import type { Logger } from '../../log.js';
import type { Attempt, Episode } from '../model/episode-schema.js';
import type { TickDecision } from '../decide/step.js';
import type { RecoveryMetrics } from './metrics.js';
import type { Notifier, OutcomeNotice } from './notify.js';
import type { SkipReason } from '../model/reasons.js';
import type { EpisodeEvent } from '../model/episode.js';

export interface SkipContext {
  readonly cluster: string;
  readonly jobName: string;
  readonly alertname: string;
  readonly reason: SkipReason;
  readonly jobId?: string | undefined;
  readonly fingerprint?: string | undefined;
  readonly episode?: string | undefined;
  readonly detail?: string | undefined;
}

/** The root cause as log fields (the first line of the trace only: the episode and the API keep the rest). */
function causeFields(ep: Episode): Record<string, unknown> {
  const c = ep.rootCause;
  if (c === undefined) return {};
  return {
    root_exception: c.exceptionClass ?? null,
    root_cause: c.message.split('\n')[0] ?? '',
    ...(Object.keys(c.failureLabels).length === 0 ? {} : { failure_labels: { ...c.failureLabels } }),
  };
}

/** The root cause as notice fields. */
function causeNotice(ep: Episode): Partial<OutcomeNotice> {
  const c = ep.rootCause;
  if (c === undefined) return {};
  return {
    ...(c.exceptionClass === undefined ? {} : { rootException: c.exceptionClass }),
    rootCause: c.message,
    failureLabels: c.failureLabels,
  };
}

/** The fields of a tick decision, built one by one (never the decision object itself). */
function decisionFields(d: TickDecision): Record<string, unknown> {
  switch (d.kind) {
    case 'none':
    case 'recovered':
    case 'landed':
    case 'running':
    case 'unsteady':
      return 'n' in d ? { attempt: d.n } : {};
    case 'wait':
      return { reason: d.reason, wake_at: new Date(d.wakeAt).toISOString() };
    case 'attempt':
    case 'resubmit':
      return { attempt: d.n, job_id: d.jobId };
    case 'adopt':
      return { attempt: d.n, job_id: d.instance.jobId, state: d.instance.state };
    case 'attempt_failed':
      return { attempt: d.n, reason: d.reason, failed_at: new Date(d.at).toISOString() };
    case 'refailed':
      return { attempt: d.n, failed_at: new Date(d.at).toISOString(), failure_time_source: d.source };
    case 'abandon':
    case 'exhaust':
    case 'clear':
      return { reason: d.reason };
  }
}

function attemptFields(a: Attempt): Record<string, unknown> {
  return { attempt: a.n, restore_from: a.restoreFrom, restore_point: a.restorePath ?? null, job_id: a.jobId };
}

export class Audit {
  constructor(
    private readonly metrics: RecoveryMetrics,
    private readonly logger: Logger,
    private readonly notifier: Notifier | undefined,
    private readonly track: (p: Promise<unknown>) => void,
    private readonly clock: Clock,
  ) {}

  /** An alert that led to no action. */
  skip(ctx: SkipContext): void {
    this.metrics.skip(ctx.cluster, ctx.jobName, ctx.reason);
    this.logger.info(
      {
        decision: 'skip',
        cluster: ctx.cluster,
        job_name: ctx.jobName,
        alertname: ctx.alertname,
        reason: ctx.reason,
        ...(ctx.jobId === undefined ? {} : { job_id: ctx.jobId }),
        ...(ctx.fingerprint === undefined ? {} : { fingerprint: ctx.fingerprint }),
        ...(ctx.episode === undefined ? {} : { episode: ctx.episode }),
        ...(ctx.detail === undefined ? {} : { detail: ctx.detail }),
      },
      `recovery skipped: ${ctx.reason}`,
    );
  }

  /** A tick decision; waits are debug-level because they repeat every poll. */
  decision(episode: Episode, decision: TickDecision): void {
    const fields = {
      cluster: episode.cluster,
      job_name: episode.jobName,
      episode: episode.id,
      decision: decision.kind,
      ...decisionFields(decision),
    };
    if (decision.kind === 'wait' || decision.kind === 'none') this.logger.debug(fields, `episode ${decision.kind}`);
    else this.logger.info(fields, `episode decision: ${decision.kind}`);
  }

  /** Gauges from the stored status, and the events of a committed transition. */
  committed(episode: Episode, events: readonly EpisodeEvent[]): void {
    this.metrics.status(episode.cluster, episode.jobName, episode.status);
    for (const e of events) this.event(episode, e);
  }

  private event(ep: Episode, e: EpisodeEvent): void {
    const base = { cluster: ep.cluster, job_name: ep.jobName, episode: ep.id };
    const notice = (kind: OutcomeNotice['kind'], extra: Partial<OutcomeNotice>): void => {
      if (this.notifier === undefined) return;
      this.track(
        this.notifier.notify({
          kind,
          cluster: ep.cluster,
          jobName: ep.jobName,
          episode: ep.id,
          attempts: ep.attempts.length,
          at: this.clock.now(),
          ...extra,
        }),
      );
    };
    switch (e.type) {
      case 'opened':
        this.logger.info(
          {
            ...base,
            trigger: ep.trigger,
            failed_job_id: ep.failedJobId ?? null,
            root: ep.root,
            failed_at: new Date(ep.failedAt).toISOString(),
            failure_time_source: ep.failureTimeSource,
            ...causeFields(ep),
          },
          'recovery episode opened',
        );
        return;
      case 'attempt_started':
        this.logger.info({ ...base, ...attemptFields(e.attempt) }, `attempt ${e.attempt.n} starting`);
        return;
      case 'attempt_submitted':
        this.logger.info(
          { ...base, ...attemptFields(e.attempt), tries: e.attempt.submitTries },
          `attempt ${e.attempt.n} submitted`,
        );
        return;
      case 'attempt_adopted':
        this.logger.info(
          { ...base, ...attemptFields(e.attempt), adopted: true },
          `attempt ${e.attempt.n} was made elsewhere; following it`,
        );
        return;
      case 'attempt_succeeded':
        // An adopted attempt is counted by the replica that submitted it, so the sum over replicas stays true.
        if (e.attempt.adopted !== true)
          this.metrics.attempt(ep.cluster, ep.jobName, e.attempt.restoreFrom, 'succeeded');
        this.logger.info(
          { ...base, ...attemptFields(e.attempt), result: 'succeeded' },
          `attempt ${e.attempt.n} is RUNNING`,
        );
        return;
      case 'attempt_failed': {
        if (e.attempt.adopted !== true) this.metrics.attempt(ep.cluster, ep.jobName, e.attempt.restoreFrom, 'failed');
        this.logger.warn(
          {
            ...base,
            ...attemptFields(e.attempt),
            result: 'failed',
            reason: e.reason,
            detail: e.attempt.detail ?? null,
          },
          `attempt ${e.attempt.n} failed: ${e.reason}`,
        );
        const { restorePath } = e.attempt;
        notice('attempt_failed', {
          ...causeNotice(ep),
          attempt: e.attempt.n,
          restoreFrom: e.attempt.restoreFrom,
          jobId: e.attempt.jobId,
          reason: e.reason,
          at: e.attempt.endedAt ?? e.attempt.startedAt,
          ...(restorePath === undefined ? {} : { restorePath }),
        });
        return;
      }
      case 'instance_running':
        this.metrics.recovered(ep.cluster, e.secondsSinceFailure);
        this.logger.info(
          {
            ...base,
            ...attemptFields(e.attempt),
            seconds_since_failure: e.secondsSinceFailure,
            failure_time_source: ep.failureTimeSource,
          },
          'job RUNNING again',
        );
        return;
      case 'refailed':
        this.logger.warn(
          { ...base, ...attemptFields(e.attempt), reason: 'instance_failed' },
          'the resubmitted instance failed again',
        );
        return;
      case 'ended': {
        this.metrics.episodeEnded(ep.cluster, ep.jobName, e.outcome);
        const level = e.outcome === 'recovered' ? 'info' : 'warn';
        this.logger[level](
          { ...base, outcome: e.outcome, reason: e.reason, attempts: ep.attempts.length, ...causeFields(ep) },
          `recovery episode ${e.outcome}`,
        );
        const last = ep.attempts[ep.attempts.length - 1];
        if (e.outcome !== 'abandoned') {
          notice(e.outcome, {
            reason: e.reason,
            ...causeNotice(ep),
            ...(last === undefined ? {} : { attempt: last.n, restoreFrom: last.restoreFrom, jobId: last.jobId }),
            ...(last?.restorePath === undefined ? {} : { restorePath: last.restorePath }),
          });
        }
        return;
      }
      case 'cleared':
        this.logger.info({ ...base, reason: e.reason }, 'exhausted episode cleared');
        return;
    }
  }
}
