/**
 * What an episode does next, each time the service looks at it: start the next attempt after the cooldown,
 * reconcile an attempt whose submission may or may not have landed, verify, close as recovered after
 * resetAfter RUNNING, give up after maxAttempts, or step aside when a person or another tool took over. Pure.
 */
import type { RecoveryConfig } from '../../config/schema.js';
import { isActive } from '../../flink/job-state.js';
import type { JobOverview } from '../../flink/types.js';
import type { Attempt, Episode } from '../model/episode-schema.js';
import { pollInterval, watchInterval } from '../model/timing.js';
import { attemptJobId } from '../model/job-id.js';
import { attemptsMade, isOwnAttempt, ranSteadily, unrecordedAttempt } from '../model/lineage.js';
import type { LiveView } from '../model/live.js';
import type { NotRetryableRule } from '../../config/schema.js';
import { matchingRule } from './not-retryable.js';
import type {
  AbandonReason,
  AttemptFailure,
  ClearReason,
  ExhaustReason,
  FailureTimeSource,
  WaitReason,
} from '../model/reasons.js';

/** POSTs of one attempt whose outcome stayed unknown (transport errors) before the attempt counts as failed. */
export const MAX_SUBMIT_TRIES = 3;

export type TickDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'wait'; readonly reason: WaitReason; readonly wakeAt: number }
  | { readonly kind: 'attempt'; readonly n: number; readonly jobId: string }
  | { readonly kind: 'resubmit'; readonly n: number; readonly jobId: string }
  /** Another replica (or an earlier life of this one) made attempt n: follow its instance, never submit it again. */
  | { readonly kind: 'adopt'; readonly n: number; readonly instance: JobOverview }
  | { readonly kind: 'landed'; readonly n: number }
  | { readonly kind: 'running'; readonly n: number }
  | { readonly kind: 'unsteady'; readonly n: number }
  | {
      readonly kind: 'attempt_failed';
      readonly n: number;
      readonly reason: AttemptFailure;
      /** When it failed by Flink's clock (the instance's end-time): the cooldown counts from here. */
      readonly at: number;
    }
  | { readonly kind: 'refailed'; readonly n: number; readonly at: number; readonly source: FailureTimeSource }
  | { readonly kind: 'abandon'; readonly reason: AbandonReason }
  | { readonly kind: 'recovered' }
  | { readonly kind: 'exhaust'; readonly reason: ExhaustReason }
  | { readonly kind: 'clear'; readonly reason: ClearReason };

export type TickConfig = Pick<
  RecoveryConfig,
  'maxAttempts' | 'cooldown' | 'backoffFactor' | 'maxCooldown' | 'resetAfter' | 'verifyTimeout'
>;

function lastAttempt(episode: Episode): Attempt | undefined {
  return episode.attempts[episode.attempts.length - 1];
}

function wait(reason: WaitReason, wakeAt: number): TickDecision {
  return { kind: 'wait', reason, wakeAt };
}

/** Decides the next step of an episode from Flink's live view of its job. */
export function decideTick(
  episode: Episode,
  live: LiveView,
  config: TickConfig,
  now: number,
  notRetryable: readonly NotRetryableRule[] = [],
  paused = false,
): TickDecision {
  if (episode.status === 'closed') return { kind: 'none' };
  const poll = pollInterval(config);

  if (episode.status === 'exhausted') {
    if (live.kind === 'unreachable') return wait('flink_unreachable', now + watchInterval(config));
    // The successor that runs from unverified state is what the exhausted episode is about: it does not clear it.
    const unverified = episode.attempts.find((a) => a.failure === 'restore_unverified')?.jobId;
    if (live.instances.some((j) => j.state === 'RUNNING' && j.jobId !== unverified)) {
      return { kind: 'clear', reason: 'ran_again' };
    }
    return wait('exhausted', now + watchInterval(config));
  }

  if (live.kind === 'unreachable') return wait('flink_unreachable', now + poll);
  const byId = new Map(live.instances.map((j) => [j.jobId, j] as const));
  if (live.instances.some((j) => isActive(j.state) && !isOwnAttempt(episode, j.jobId)))
    return { kind: 'abandon', reason: 'superseded' };
  const other = unrecordedAttempt(episode, live.instances);
  if (other !== undefined) return { kind: 'adopt', n: other.n, instance: other.instance };

  const last = lastAttempt(episode);
  const lastInstance: JobOverview | undefined = last === undefined ? undefined : byId.get(last.jobId);
  if (lastInstance?.state === 'CANCELED') return { kind: 'abandon', reason: 'canceled' };
  if (lastInstance?.state === 'FINISHED') return { kind: 'abandon', reason: 'finished' };

  switch (episode.phase) {
    case 'waiting': {
      if (last !== undefined && lastInstance !== undefined && isActive(lastInstance.state)) {
        // Our previous attempt came up after all (late): adopt it rather than start a second instance.
        if (lastInstance.state === 'RUNNING') return { kind: 'running', n: last.n };
        return wait('instance_active', now + poll);
      }
      // Flink's root cause, which every replica reads alike, says no resubmission can cure it: page instead.
      if (matchingRule(episode.rootCause, notRetryable) !== undefined)
        return { kind: 'exhaust', reason: 'not_retryable' };
      // The one place maxAttempts is checked: a failed attempt only returns the episode to waiting.
      if (attemptsMade(episode) >= config.maxAttempts) return { kind: 'exhaust', reason: 'max_attempts' };
      // A pause holds the next submission; what is already in Flink's hands is still followed.
      if (paused) return wait('paused', now + watchInterval(config));
      if (now < episode.nextAttemptAt) return wait('cooldown', episode.nextAttemptAt);
      const n = attemptsMade(episode) + 1;
      return { kind: 'attempt', n, jobId: attemptJobId(episode.root, n) };
    }
    case 'submitting': {
      // Unreachable by construction; never loop on it.
      if (last === undefined) return { kind: 'exhaust', reason: 'max_attempts' };
      if (lastInstance !== undefined) return { kind: 'landed', n: last.n };
      if (last.submitTries >= MAX_SUBMIT_TRIES) {
        return { kind: 'attempt_failed', n: last.n, reason: 'submit_failed', at: now };
      }
      return { kind: 'resubmit', n: last.n, jobId: last.jobId };
    }
    case 'verifying': {
      if (last === undefined) return { kind: 'exhaust', reason: 'max_attempts' };
      if (lastInstance?.state === 'RUNNING') return { kind: 'running', n: last.n };
      if (lastInstance?.state === 'FAILED' || lastInstance?.state === 'SUSPENDED') {
        return { kind: 'attempt_failed', n: last.n, reason: 'instance_failed', at: lastInstance.endTime ?? now };
      }
      const deadline = (last.submittedAt ?? last.startedAt) + config.verifyTimeout;
      if (now >= deadline) return { kind: 'attempt_failed', n: last.n, reason: 'verify_timeout', at: now };
      return wait('verifying', Math.min(deadline, now + poll));
    }
    case 'running': {
      if (last === undefined) return { kind: 'exhaust', reason: 'max_attempts' };
      if (lastInstance === undefined) return { kind: 'refailed', n: last.n, at: now, source: 'episode_open' };
      if (lastInstance.state === 'FAILED' || lastInstance.state === 'SUSPENDED') {
        // Flink's times, not this replica's polls, say whether it had recovered: every replica judges alike.
        if (ranSteadily(lastInstance, config.resetAfter)) return { kind: 'recovered' };
        const at = lastInstance.endTime;
        return at === undefined
          ? { kind: 'refailed', n: last.n, at: now, source: 'episode_open' }
          : { kind: 'refailed', n: last.n, at, source: 'end_time' };
      }
      if (lastInstance.state !== 'RUNNING') {
        return episode.runningSince === undefined ? wait('restarting', now + poll) : { kind: 'unsteady', n: last.n };
      }
      if (episode.runningSince === undefined) return { kind: 'running', n: last.n };
      const steadyAt = episode.runningSince + config.resetAfter;
      if (now >= steadyAt) return { kind: 'recovered' };
      return wait('stabilizing', Math.min(steadyAt, now + poll));
    }
  }
}
