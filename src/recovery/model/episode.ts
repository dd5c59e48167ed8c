/**
 * How an episode changes, as pure functions returning the new episode and the events it produced. The
 * executor persists the episode first and only then tells people (logs, metrics, notifications) about the
 * events, so what was announced is always what is on disk.
 */
import type { Attempt, Episode, EpisodeRootCause } from './episode-schema.js';
import { cooldownAfter, nextAttemptAt } from './timing.js';
import { isActive } from '../../flink/job-state.js';
import type { JobOverview } from '../../flink/types.js';
import type { IntakeDecision } from '../decide/intake.js';
import type { TickConfig, TickDecision } from '../decide/step.js';
import type { AbandonReason, AttemptFailure, ClearReason, ExhaustReason, Outcome, RestoreFrom } from './reasons.js';

export type EpisodeEvent =
  | { readonly type: 'opened' }
  | { readonly type: 'attempt_started'; readonly attempt: Attempt }
  | { readonly type: 'attempt_submitted'; readonly attempt: Attempt }
  | { readonly type: 'attempt_adopted'; readonly attempt: Attempt }
  | { readonly type: 'attempt_succeeded'; readonly attempt: Attempt }
  | { readonly type: 'attempt_failed'; readonly attempt: Attempt; readonly reason: AttemptFailure }
  | { readonly type: 'instance_running'; readonly attempt: Attempt; readonly secondsSinceFailure: number }
  | { readonly type: 'refailed'; readonly attempt: Attempt }
  | { readonly type: 'ended'; readonly outcome: Outcome; readonly reason: string }
  | { readonly type: 'cleared'; readonly reason: ClearReason };

export interface Transition {
  readonly episode: Episode;
  readonly events: readonly EpisodeEvent[];
}

type OpenDecision = Extract<IntakeDecision, { kind: 'open' }>;

/** A new open episode; its first attempt may start at once unless the job's previous episode attempted lately. */
export function openEpisode(
  args: {
    id: string;
    cluster: string;
    jobName: string;
    decision: OpenDecision;
    previous: Episode | undefined;
    rootCause?: EpisodeRootCause | undefined;
  },
  config: TickConfig,
  now: number,
): Transition {
  const prevLast = args.previous?.attempts[args.previous.attempts.length - 1];
  const first =
    prevLast === undefined ? now : nextAttemptAt(1, prevLast.startedAt, { ...config, backoffFactor: 1 }, now);
  const episode: Episode = {
    id: args.id,
    cluster: args.cluster,
    jobName: args.jobName,
    trigger: args.decision.trigger,
    ...(args.decision.failed === undefined ? {} : { failedJobId: args.decision.failed.jobId }),
    ...(args.decision.lostJobId === undefined ? {} : { lostJobId: args.decision.lostJobId }),
    root: args.decision.root,
    failedAt: args.decision.failedAt,
    failureTimeSource: args.decision.failureTimeSource,
    openedAt: now,
    status: 'open',
    phase: 'waiting',
    nextAttemptAt: first,
    attempts: [],
    refusedPaths: [],
    ...(args.rootCause === undefined ? {} : { rootCause: args.rootCause }),
  };
  return { episode, events: [{ type: 'opened' }] };
}

function replaceLast(episode: Episode, attempt: Attempt): Attempt[] {
  return [...episode.attempts.slice(0, -1), attempt];
}

function lastOf(episode: Episode): Attempt {
  const last = episode.attempts[episode.attempts.length - 1];
  if (last === undefined) throw new Error(`episode ${episode.id} has no attempt`);
  return last;
}

/** The intent of attempt `n`: written before anything is sent to Flink. */
export function beginAttempt(
  episode: Episode,
  a: { n: number; jobId: string; restoreFrom: RestoreFrom; restorePath: string | undefined },
  now: number,
): Transition {
  const attempt: Attempt = {
    n: a.n,
    jobId: a.jobId,
    restoreFrom: a.restoreFrom,
    ...(a.restorePath === undefined ? {} : { restorePath: a.restorePath }),
    startedAt: now,
    submitTries: 0,
    result: 'pending',
  };
  return {
    episode: { ...episode, phase: 'submitting', attempts: [...episode.attempts, attempt] },
    events: [{ type: 'attempt_started', attempt }],
  };
}

/** Records that one more POST of the current attempt is about to be made (same JobID every time). */
export function countSubmitTry(episode: Episode): Episode {
  const last = lastOf(episode);
  return { ...episode, attempts: replaceLast(episode, { ...last, submitTries: last.submitTries + 1 }) };
}

/** Flink accepted the run (or reconciliation found it landed): verify from now on. */
export function attemptSubmitted(episode: Episode, now: number): Transition {
  const last = lastOf(episode);
  const attempt: Attempt = last.submittedAt === undefined ? { ...last, submittedAt: now } : last;
  return {
    episode: { ...episode, phase: 'verifying', attempts: replaceLast(episode, attempt) },
    events: [{ type: 'attempt_submitted', attempt }],
  };
}

/**
 * Flink refused the first POST of the attempt as a duplicate: another replica submitted this JobID first. Its
 * instance is followed like an adopted one (the winner verifies what it restored from, and counts it).
 */
export function lostRace(episode: Episode, now: number): Transition {
  const { restorePath: _theirs, ...last } = lastOf(episode);
  const attempt: Attempt = { ...last, restoreFrom: 'none', adopted: true, submittedAt: last.submittedAt ?? now };
  return {
    episode: { ...episode, phase: 'verifying', attempts: replaceLast(episode, attempt) },
    events: [{ type: 'attempt_adopted', attempt }],
  };
}

/** Ends an episode as exhausted: no more automatic action until the job runs again or a person resets it. */
export function exhaust(
  episode: Episode,
  now: number,
  events: EpisodeEvent[] = [],
  reason: ExhaustReason = 'max_attempts',
): Transition {
  return {
    episode: {
      ...episode,
      phase: 'waiting',
      status: 'exhausted',
      outcome: 'exhausted',
      endReason: reason,
      endedAt: now,
    },
    events: [...events, { type: 'ended', outcome: 'exhausted', reason }],
  };
}

/** When attempt `n + 1` may start: the cooldown counts from Flink's end-time of attempt n, so replicas agree. */
function cooldownEnd(n: number, failedAt: number, config: TickConfig, now: number): number {
  return Math.max(now, failedAt + cooldownAfter(n, config));
}

/**
 * The current attempt failed at `at` (Flink's end-time of its instance, else now): back to waiting for the
 * cooldown. Whether another attempt is allowed is the next step's decision (decide/step.ts), made in one place.
 */
export function failAttempt(
  episode: Episode,
  reason: AttemptFailure,
  config: TickConfig,
  now: number,
  detail?: string,
  at: number = now,
): Transition {
  const last = lastOf(episode);
  const attempt: Attempt = {
    ...last,
    result: 'failed',
    failure: reason,
    endedAt: at,
    ...(detail === undefined ? {} : { detail: detail.slice(0, 500) }),
  };
  const refusedPaths =
    reason === 'restore_refused' && last.restorePath !== undefined
      ? [...episode.refusedPaths, last.restorePath]
      : episode.refusedPaths;
  const next: Episode = { ...episode, attempts: replaceLast(episode, attempt), refusedPaths, phase: 'waiting' };
  const events: EpisodeEvent[] = [{ type: 'attempt_failed', attempt, reason }];
  return { episode: { ...next, nextAttemptAt: cooldownEnd(last.n, at, config, now) }, events };
}

/**
 * Records attempt n as made elsewhere (another replica won the submission, or a life of this replica before a
 * crash): its instance is followed like one of ours. A pending attempt of ours below n lost the race.
 */
export function adoptAttempt(
  episode: Episode,
  n: number,
  instance: JobOverview,
  config: TickConfig,
  now: number,
): Transition {
  const prev = episode.attempts[episode.attempts.length - 1];
  const attempts =
    prev !== undefined && prev.result === 'pending'
      ? replaceLast(episode, {
          ...prev,
          result: 'failed',
          failure: 'instance_failed',
          endedAt: now,
          detail: `attempt ${n} was made elsewhere`,
        })
      : [...episode.attempts];
  const adopted: Attempt = {
    n,
    jobId: instance.jobId,
    restoreFrom: 'none',
    startedAt: instance.startTime,
    submitTries: 0,
    submittedAt: instance.startTime,
    result: 'pending',
    adopted: true,
  };
  const base: Episode = { ...episode, attempts: [...attempts, adopted], phase: 'verifying' };
  if (isActive(instance.state)) return { episode: base, events: [{ type: 'attempt_adopted', attempt: adopted }] };
  if (instance.state === 'FAILED' || instance.state === 'SUSPENDED') {
    const t = failAttempt(base, 'instance_failed', config, now, undefined, instance.endTime ?? now);
    return { episode: t.episode, events: [{ type: 'attempt_adopted', attempt: adopted }, ...t.events] };
  }
  // CANCELED or FINISHED: the next step sees it as the last attempt's instance and abandons.
  return { episode: base, events: [{ type: 'attempt_adopted', attempt: adopted }] };
}

function end(episode: Episode, outcome: Outcome, reason: string, now: number, events: EpisodeEvent[] = []): Transition {
  return {
    episode: { ...episode, status: 'closed', outcome, endReason: reason, endedAt: now },
    events: [...events, { type: 'ended', outcome, reason }],
  };
}

/**
 * Ends an episode because a person or another tool took the job over; a submitted attempt in flight counts as
 * failed.
 */
export function abandon(episode: Episode, reason: AbandonReason, now: number): Transition {
  const last = episode.attempts[episode.attempts.length - 1];
  if (last !== undefined && last.result === 'pending' && last.submitTries > 0) {
    const attempt: Attempt = {
      ...last,
      result: 'failed',
      failure: 'instance_failed',
      endedAt: now,
      detail: `abandoned: ${reason}`,
    };
    return end({ ...episode, attempts: replaceLast(episode, attempt) }, 'abandoned', reason, now, [
      { type: 'attempt_failed', attempt, reason: 'instance_failed' },
    ]);
  }
  return end(episode, 'abandoned', reason, now);
}

/**
 * An exhausted episode stops blocking automation: the job ran again, a person reset it, or a new failure replaced
 * it.
 */
export function clearExhausted(episode: Episode, reason: ClearReason, now: number): Transition {
  return {
    episode: { ...episode, status: 'closed', clearedAt: now, clearReason: reason },
    events: [{ type: 'cleared', reason }],
  };
}

/** Applies a tick decision that needs no I/O beyond what was already read. */
export function applyTick(episode: Episode, decision: TickDecision, config: TickConfig, now: number): Transition {
  switch (decision.kind) {
    case 'none':
    case 'wait':
    case 'attempt':
    case 'resubmit':
      return { episode, events: [] };
    case 'landed':
      return attemptSubmitted(episode, now);
    case 'running': {
      const last = lastOf(episode);
      const events: EpisodeEvent[] = [];
      let attempt = last;
      if (last.result === 'pending') {
        attempt = { ...last, result: 'succeeded', runningAt: now, endedAt: now };
        events.push({ type: 'attempt_succeeded', attempt });
      }
      // Back to RUNNING after a restart within the running phase is not a new recovery.
      if (episode.phase !== 'running') {
        events.push({
          type: 'instance_running',
          attempt,
          secondsSinceFailure: Math.max(0, (now - episode.failedAt) / 1000),
        });
      }
      return {
        episode: { ...episode, phase: 'running', runningSince: now, attempts: replaceLast(episode, attempt) },
        events,
      };
    }
    case 'unsteady': {
      const { runningSince: _dropped, ...rest } = episode;
      return { episode: rest, events: [] };
    }
    case 'adopt':
      return adoptAttempt(episode, decision.n, decision.instance, config, now);
    case 'attempt_failed':
      return failAttempt(episode, decision.reason, config, now, undefined, decision.at);
    case 'refailed': {
      const last = lastOf(episode);
      const { runningSince: _dropped, ...rest } = episode;
      // The next time to recover is measured from this failure, not the one that opened the episode.
      const next: Episode = { ...rest, phase: 'waiting', failedAt: decision.at, failureTimeSource: decision.source };
      const events: EpisodeEvent[] = [{ type: 'refailed', attempt: last }];
      return { episode: { ...next, nextAttemptAt: cooldownEnd(last.n, decision.at, config, now) }, events };
    }
    case 'abandon':
      return abandon(episode, decision.reason, now);
    case 'recovered':
      return end(episode, 'recovered', 'steady', now);
    case 'exhaust':
      return exhaust(episode, now, [], decision.reason);
    case 'clear':
      return clearExhausted(episode, decision.reason, now);
  }
}

/** Records why the newest failed instance of the episode died (read from Flink after the decision). */
export function withRootCause(t: Transition, cause: EpisodeRootCause | undefined): Transition {
  return cause === undefined ? t : { ...t, episode: { ...t.episode, rootCause: cause } };
}

/**
 * The new instance runs, but not from the restore point submitted: the attempt failed, and the episode ends
 * exhausted rather than start a second instance beside the running one.
 */
export function restoreUnverified(episode: Episode, restored: string | undefined, now: number): Transition {
  const last = lastOf(episode);
  const attempt: Attempt = {
    ...last,
    result: 'failed',
    failure: 'restore_unverified',
    endedAt: now,
    detail: `Flink restored from ${restored ?? 'nothing'}, not ${last.restorePath ?? 'nothing'}`.slice(0, 500),
  };
  const next: Episode = { ...episode, attempts: replaceLast(episode, attempt), phase: 'waiting' };
  return exhaust(next, now, [{ type: 'attempt_failed', attempt, reason: 'restore_unverified' }], 'restore_unverified');
}
