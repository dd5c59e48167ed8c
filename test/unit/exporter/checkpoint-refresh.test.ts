import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planCheckpointStats, type CachedStats } from '../../../src/exporter/checkpoint-refresh.js';

const latest = { id: 7, externalPath: 'file:/cp/chk-7', completedAt: 1000, durationMs: 20, sizeBytes: 300 };
const cached: CachedStats = {
  stats: { completed: 7, failed: 2, inProgress: 1, latestCompleted: latest, latestSavepoint: undefined },
  metricCompleted: 6,
};

describe('planCheckpointStats', () => {
  it('reads /checkpoints when nothing is cached or the metrics say nothing', () => {
    assert.deepEqual(planCheckpointStats(undefined, { completed: 6, failed: 2, inProgress: 0 }), { kind: 'fetch' });
    assert.deepEqual(planCheckpointStats(cached, undefined), { kind: 'fetch' });
  });
  it('reads /checkpoints when the completed count moved since the last read', () => {
    assert.deepEqual(planCheckpointStats(cached, { completed: 7, failed: 2, inProgress: 0 }), { kind: 'fetch' });
  });
  it('reuses the latest checkpoint while the count stands, counters never below the last read', () => {
    assert.deepEqual(planCheckpointStats(cached, { completed: 6, failed: 3, inProgress: 0 }), {
      kind: 'reuse',
      stats: { completed: 7, failed: 3, inProgress: 0, latestCompleted: latest, latestSavepoint: undefined },
    });
  });
  it('hands back the cached statistics themselves while no counter moved', () => {
    const plan = planCheckpointStats(cached, { completed: 6, failed: 2, inProgress: 1 });
    assert.equal(plan.kind === 'reuse' ? plan.stats : undefined, cached.stats);
  });
});
