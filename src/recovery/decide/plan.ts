/**
 * The plan of the next attempt, from what was read for it: give up (no job spec, nothing to restore, state lost)
 * or submit from a restore point (or fresh). The executor and the dry run follow this one plan. Pure.
 */
import type { RecoveryConfig } from '../../config/schema.js';
import type { Episode } from '../model/episode-schema.js';
import type { RestoreFrom } from '../model/reasons.js';
import { selectRestorePoint, type RestoreCandidate } from './restore-point.js';

/** What the restore sources showed: the restore points that exist, and whether the job ever had one. */
export interface RestoreEvidence {
  readonly candidates: readonly RestoreCandidate[];
  readonly hadCheckpoints: boolean;
}

export type AttemptPlan =
  | { readonly kind: 'submit'; readonly restoreFrom: RestoreFrom; readonly restorePath: string | undefined }
  | { readonly kind: 'give_up'; readonly reason: 'no_job_spec' | 'no_restore_point' | 'state_lost' };

/** `evidence` is undefined when the job has no spec (or no client): then nothing could be read or submitted. */
export function planAttempt(
  episode: Episode,
  evidence: RestoreEvidence | undefined,
  onNoCheckpoint: RecoveryConfig['onNoCheckpoint'],
): AttemptPlan {
  if (evidence === undefined) return { kind: 'give_up', reason: 'no_job_spec' };
  const choice = selectRestorePoint(
    evidence.candidates,
    episode.refusedPaths,
    onNoCheckpoint,
    evidence.hadCheckpoints || episode.attempts.some((a) => a.restorePath !== undefined),
  );
  switch (choice.kind) {
    case 'restore':
      return { kind: 'submit', restoreFrom: choice.from, restorePath: choice.path };
    case 'fresh':
      return { kind: 'submit', restoreFrom: 'none', restorePath: undefined };
    case 'none':
      return { kind: 'give_up', reason: choice.reason };
  }
}

/** The words a dry run logs for a plan. */
export function describePlan(plan: AttemptPlan): string {
  if (plan.kind === 'give_up') return `would give up: ${plan.reason}`;
  return plan.restorePath === undefined
    ? 'would resubmit without state'
    : `would resubmit from ${plan.restoreFrom} ${plan.restorePath}`;
}
