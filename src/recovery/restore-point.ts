/** Choosing where a resubmission restores from: the first source that exists and Flink has not refused. */
import type { RecoveryConfig } from '../config/schema.js';
import type { RestoreFrom } from './reasons.js';

export interface RestoreCandidate {
  readonly from: Exclude<RestoreFrom, 'none'>;
  readonly path: string;
}

export type RestoreChoice =
  | { readonly kind: 'restore'; readonly from: Exclude<RestoreFrom, 'none'>; readonly path: string }
  | { readonly kind: 'fresh' }
  | { readonly kind: 'none' };

/** Order of the sources; candidates are offered in this order, whatever order they were gathered in. */
export const SOURCE_ORDER: readonly Exclude<RestoreFrom, 'none'>[] = ['checkpoint', 'savepoint', 'remembered', 'scan'];

/** A path as Flink sees the restore point: `chk-5`, `chk-5/` and `chk-5/_metadata` are one checkpoint. */
export function normalizeRestorePath(path: string): string {
  return path
    .replace(/\/+$/, '')
    .replace(/\/_metadata$/, '')
    .replace(/\/+$/, '');
}

/**
 * Picks the first candidate (by source, then by the order given) whose path was not refused earlier in the
 * episode; with none left, `fresh` or `none` as `onNoCheckpoint` says.
 */
export function selectRestorePoint(
  candidates: readonly RestoreCandidate[],
  refusedPaths: readonly string[],
  onNoCheckpoint: RecoveryConfig['onNoCheckpoint'],
): RestoreChoice {
  const refused = new Set(refusedPaths.map(normalizeRestorePath));
  for (const source of SOURCE_ORDER) {
    for (const c of candidates) {
      if (c.from !== source || c.path === '') continue;
      if (refused.has(normalizeRestorePath(c.path))) continue;
      return { kind: 'restore', from: c.from, path: c.path };
    }
  }
  return onNoCheckpoint === 'fresh' ? { kind: 'fresh' } : { kind: 'none' };
}
