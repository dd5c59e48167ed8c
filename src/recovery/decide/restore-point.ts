/**
 * Choosing where a resubmission restores from: the newest candidate across every source, by checkpoint id and
 * then completion time, that still exists and Flink has not refused. A job that ever completed a checkpoint is
 * never started without state: with nothing usable left, its state is lost, and a person must decide.
 */
import type { RecoveryConfig } from '../../config/schema.js';
import type { CheckpointStatsResult } from '../../flink/types.js';
import { checkpointIdOf, normalizeRestorePath, sameRestorePoint } from '../model/restore-path.js';
import type { RestoreFrom } from '../model/reasons.js';

export interface RestoreCandidate {
  readonly from: Exclude<RestoreFrom, 'none'>;
  readonly path: string;
  /** Flink's checkpoint id (checkpoint ids go on rising across a restore), when known. */
  readonly checkpointId?: number | undefined;
  /** Unix milliseconds the checkpoint completed, when known. */
  readonly completedAt?: number | undefined;
}

export type RestoreChoice =
  | { readonly kind: 'restore'; readonly from: Exclude<RestoreFrom, 'none'>; readonly path: string }
  | { readonly kind: 'fresh' }
  /** `state_lost`: the job had checkpoints and none is usable; `no_restore_point`: it never had one (skip). */
  | { readonly kind: 'none'; readonly reason: 'state_lost' | 'no_restore_point' };

/** Order of the sources when two candidates are equally new. */
export const SOURCE_ORDER: readonly Exclude<RestoreFrom, 'none'>[] = ['checkpoint', 'savepoint', 'remembered', 'scan'];

function idOf(c: RestoreCandidate): number {
  return c.checkpointId ?? checkpointIdOf(c.path) ?? -1;
}

/** Newest first: by checkpoint id, then completion time, then source order. */
export function newestFirst(a: RestoreCandidate, b: RestoreCandidate): number {
  return (
    idOf(b) - idOf(a) ||
    (b.completedAt ?? -1) - (a.completedAt ?? -1) ||
    SOURCE_ORDER.indexOf(a.from) - SOURCE_ORDER.indexOf(b.from)
  );
}

/**
 * Picks the newest candidate whose path was not refused earlier in the episode. With none left, a job that
 * `hadCheckpoints` has lost its state; any other starts fresh or not at all, as `onNoCheckpoint` says.
 */
export function selectRestorePoint(
  candidates: readonly RestoreCandidate[],
  refusedPaths: readonly string[],
  onNoCheckpoint: RecoveryConfig['onNoCheckpoint'],
  hadCheckpoints: boolean,
): RestoreChoice {
  const refused = new Set(refusedPaths.map(normalizeRestorePath));
  const usable = candidates.filter((c) => c.path !== '' && !refused.has(normalizeRestorePath(c.path)));
  const best = [...usable].sort(newestFirst)[0];
  if (best !== undefined) return { kind: 'restore', from: best.from, path: best.path };
  if (hadCheckpoints || refusedPaths.length > 0 || candidates.length > 0) return { kind: 'none', reason: 'state_lost' };
  return onNoCheckpoint === 'fresh' ? { kind: 'fresh' } : { kind: 'none', reason: 'no_restore_point' };
}

export type RestoreVerdict =
  | { readonly kind: 'verified' }
  /** Flink reports no restore statistics (checkpointing off): nothing to compare, the attempt stands. */
  | { readonly kind: 'unverifiable' }
  | { readonly kind: 'mismatch'; readonly restored: string | undefined };

/** Whether the running instance restored from `restorePath`, by Flink's `latest.restored` of it. */
export function restoreVerdict(restorePath: string, stats: CheckpointStatsResult): RestoreVerdict {
  if (!stats.enabled) return { kind: 'unverifiable' };
  const restored = stats.stats.latestRestored?.externalPath;
  if (restored !== undefined && sameRestorePoint(restored, restorePath)) return { kind: 'verified' };
  return { kind: 'mismatch', restored };
}
