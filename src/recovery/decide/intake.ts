/**
 * What to do with a firing, well-labelled alert for a catalog job: open an episode or skip, from Flink's live
 * view of the job (never the alert's word alone), the stored episode and what the exporter remembers. Pure.
 */
import type { JobOverview } from '../../flink/types.js';
import { isActive } from '../../flink/job-state.js';
import type { Episode } from '../model/episode-schema.js';
import type { RememberedJob } from '../../state/job-memory.js';
import { missingJobRoot, rootOf } from '../model/job-id.js';
import { currentInstance } from '../../flink/current-instance.js';
import { episodeRootFor, isOwn } from '../model/lineage.js';
import type { LiveView } from '../model/live.js';
import type { FailureTimeSource, SkipReason, Trigger } from '../model/reasons.js';

export type IntakeDecision =
  | { readonly kind: 'skip'; readonly reason: SkipReason; readonly jobId?: string }
  | {
      readonly kind: 'open';
      readonly trigger: Trigger;
      /** The FAILED current instance; undefined for a missing job. */
      readonly failed: JobOverview | undefined;
      /** A missing job's last instance the exporter saw. */
      readonly lostJobId: string | undefined;
      /** Head of the JobID the episode's attempts carry (see model/job-id.ts). */
      readonly root: string;
      /** The failure moment, the best evidence available, and where it came from. */
      readonly failedAt: number;
      readonly failureTimeSource: FailureTimeSource;
      /** An exhausted episode this one replaces, because a new instance failed since. */
      readonly supersedes: Episode | undefined;
    };

export interface IntakeInput {
  readonly cluster: string;
  readonly jobName: string;
  readonly episode: Episode | undefined;
  readonly live: LiveView;
  readonly remembered: RememberedJob | undefined;
  /** The alert's startsAt (Unix ms), when it carried a valid one. */
  readonly alertStartsAt: number | undefined;
  /** The `for:` of the rule behind a missing job's alert: startsAt minus it is when the job went missing. */
  readonly missingFor: number;
  readonly resetAfter: number;
  /** An operator paused the job's recovery. */
  readonly paused: boolean;
  readonly now: number;
}

/**
 * When a job that has no instance left stopped running: the last scrape that saw it, else its alert's start
 * minus the rule's `for:`, else now. None of them is later than now.
 */
export function missingSince(input: Pick<IntakeInput, 'remembered' | 'alertStartsAt' | 'missingFor' | 'now'>): {
  readonly failedAt: number;
  readonly failureTimeSource: FailureTimeSource;
} {
  const { remembered, alertStartsAt, missingFor, now } = input;
  if (remembered !== undefined && remembered.seenAt <= now) {
    return { failedAt: remembered.seenAt, failureTimeSource: 'last_seen' };
  }
  if (alertStartsAt !== undefined && alertStartsAt - missingFor <= now) {
    return { failedAt: alertStartsAt - missingFor, failureTimeSource: 'alert' };
  }
  return { failedAt: now, failureTimeSource: 'episode_open' };
}

/** The skip an open episode imposes on every further alert, before Flink need be asked. */
export function episodeGate(episode: Episode | undefined): SkipReason | undefined {
  if (episode?.status !== 'open') return undefined;
  return episode.phase === 'waiting' ? 'cooldown' : 'in_progress';
}

/** Decides whether an alert opens an episode. */
export function decideIntake(input: IntakeInput): IntakeDecision {
  const { episode, live, remembered } = input;
  if (input.paused) return { kind: 'skip', reason: 'paused' };
  const gate = episodeGate(episode);
  if (gate !== undefined) return { kind: 'skip', reason: gate };
  if (live.kind === 'unreachable') return { kind: 'skip', reason: 'flink_unreachable' };

  const active = live.instances.find((j) => isActive(j.state));
  if (active !== undefined) return { kind: 'skip', reason: 'instance_active', jobId: active.jobId };

  const current = currentInstance(live.instances);
  const exhausted = episode?.status === 'exhausted' ? episode : undefined;
  if (current !== undefined) {
    if (current.state !== 'FAILED') return { kind: 'skip', reason: 'not_failed', jobId: current.jobId };
    if (exhausted !== undefined && isOwn(exhausted, current.jobId)) {
      return { kind: 'skip', reason: 'exhausted', jobId: current.jobId };
    }
    return {
      kind: 'open',
      trigger: 'failed',
      failed: current,
      lostJobId: undefined,
      root: episodeRootFor(current, input.resetAfter),
      failedAt: current.endTime ?? current.lastModification,
      failureTimeSource: 'end_time',
      supersedes: exhausted,
    };
  }

  // No instance at all: a JobManager that lost its jobs, or the job store expired them.
  if (remembered?.lastState === 'CANCELED' || remembered?.lastState === 'FINISHED') {
    return { kind: 'skip', reason: 'stopped_on_purpose', jobId: remembered.jobId };
  }
  if (exhausted !== undefined) return { kind: 'skip', reason: 'exhausted' };
  return {
    kind: 'open',
    trigger: 'missing',
    failed: undefined,
    lostJobId: remembered?.jobId,
    root: remembered === undefined ? missingJobRoot(input.cluster, input.jobName) : rootOf(remembered.jobId),
    ...missingSince(input),
    supersedes: undefined,
  };
}
