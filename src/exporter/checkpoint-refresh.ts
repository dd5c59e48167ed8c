/**
 * Whether a scrape must read `/jobs/:id/checkpoints`, from the checkpoint counters of the job metrics and what
 * the last read returned. The latest completed checkpoint (path, time, duration, size) changes only when a
 * checkpoint completes, which moves Flink's `numberOfCompletedCheckpoints`: while that count stands still, the
 * last read's checkpoint is still the latest, and the counters come from the metrics.
 */
import type { CheckpointCounters, CheckpointStats } from '../flink/types.js';

/** The statistics of the last `/checkpoints` read, and the completed count the metrics said at that scrape. */
export interface CachedStats {
  readonly stats: CheckpointStats;
  readonly metricCompleted: number | undefined;
}

export type StatsPlan = { readonly kind: 'fetch' } | { readonly kind: 'reuse'; readonly stats: CheckpointStats };

/** Decides from the counters (undefined when Flink does not report them) and the cache of the instance. */
export function planCheckpointStats(
  cached: CachedStats | undefined,
  counters: CheckpointCounters | undefined,
): StatsPlan {
  if (counters === undefined || cached === undefined || cached.metricCompleted !== counters.completed) {
    return { kind: 'fetch' };
  }
  // The metrics lag `/checkpoints` by up to the metric fetcher's interval: a counter never goes below what the
  // last read showed.
  const { stats } = cached;
  const completed = Math.max(stats.completed, counters.completed);
  const failed = Math.max(stats.failed, counters.failed);
  const inProgress = counters.inProgress;
  // Unchanged counters hand back the cached object itself: a steady scrape then makes no statistics at all.
  if (completed === stats.completed && failed === stats.failed && inProgress === stats.inProgress) {
    return { kind: 'reuse', stats };
  }
  return { kind: 'reuse', stats: { ...stats, completed, failed, inProgress } };
}
