/**
 * What to do with a firing, well-labelled alert for a catalog job: open an episode or skip, from Flink's live
 * view of the job (never the alert's word alone), the stored episode and what the exporter remembers. Pure.
 */
import type { JobOverview } from '../flink/types.js';
import { isActive } from '../flink/job-state.js';
import type { Episode } from '../state/episodes-schema.js';
import type { RememberedJob } from '../state/job-memory.js';
import { missingJobBase } from './job-id.js';
import { currentInstance } from '../flink/current-instance.js';
import type { LiveView } from './live.js';
import type { SkipReason, Trigger } from './reasons.js';

export type IntakeDecision =
  | { readonly kind: 'skip'; readonly reason: SkipReason; readonly jobId?: string }
  | {
      readonly kind: 'open';
      readonly trigger: Trigger;
      /** The FAILED current instance; undefined for a missing job. */
      readonly failed: JobOverview | undefined;
      readonly baseJobId: string;
      /** When the job stopped being available: the failed instance's end, else now. */
      readonly failedAt: number;
      /** An exhausted episode this one replaces, because a new instance failed since. */
      readonly supersedes: Episode | undefined;
    };

export interface IntakeInput {
  readonly cluster: string;
  readonly jobName: string;
  readonly episode: Episode | undefined;
  readonly live: LiveView;
  readonly remembered: RememberedJob | undefined;
  readonly now: number;
}

/** JobIDs an episode knows as its own: the failed instance and every attempt. */
export function knownJobIds(episode: Episode): Set<string> {
  const ids = new Set(episode.attempts.map((a) => a.jobId));
  if (episode.failedJobId !== undefined) ids.add(episode.failedJobId);
  return ids;
}

/** The skip an open episode imposes on every further alert, before Flink need be asked. */
export function episodeGate(episode: Episode | undefined): SkipReason | undefined {
  if (episode?.status !== 'open') return undefined;
  return episode.phase === 'waiting' ? 'cooldown' : 'in_progress';
}

/** Decides whether an alert opens an episode. */
export function decideIntake(input: IntakeInput): IntakeDecision {
  const { episode, live, remembered, now } = input;
  const gate = episodeGate(episode);
  if (gate !== undefined) return { kind: 'skip', reason: gate };
  if (live.kind === 'unreachable') return { kind: 'skip', reason: 'flink_unreachable' };

  const active = live.instances.find((j) => isActive(j.state));
  if (active !== undefined) return { kind: 'skip', reason: 'instance_active', jobId: active.jobId };

  const current = currentInstance(live.instances);
  const exhausted = episode?.status === 'exhausted' ? episode : undefined;
  if (current !== undefined) {
    if (current.state !== 'FAILED') return { kind: 'skip', reason: 'not_failed', jobId: current.jobId };
    if (exhausted !== undefined && knownJobIds(exhausted).has(current.jobId)) {
      return { kind: 'skip', reason: 'exhausted', jobId: current.jobId };
    }
    return {
      kind: 'open',
      trigger: 'failed',
      failed: current,
      baseJobId: current.jobId,
      failedAt: current.endTime ?? current.lastModification,
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
    baseJobId: remembered?.jobId ?? missingJobBase(input.cluster, input.jobName),
    failedAt: now,
    supersedes: undefined,
  };
}
