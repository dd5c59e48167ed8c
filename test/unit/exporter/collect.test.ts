import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectCluster } from '../../../src/exporter/collect.js';
import { InstanceCache } from '../../../src/exporter/instance-cache.js';
import { FlinkError } from '../../../src/errors.js';
import type { FlinkApi } from '../../../src/flink/api.js';
import type { JobState } from '../../../src/flink/job-state.js';
import type { CheckpointStatsResult, JobOverview } from '../../../src/flink/types.js';

/** An in-memory FlinkApi that counts calls by method. */
class FakeApi implements FlinkApi {
  readonly cluster = 'prod';
  readonly calls = new Map<string, number>();
  jobs: JobOverview[] = [];
  disabled = new Set<string>();
  failing = new Set<string>();
  down = false;

  private count(method: string, jobId?: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    if (jobId !== undefined && this.failing.has(jobId))
      throw new FlinkError('FLINK_HTTP_STATUS', 'prod', method, 'HTTP 500', { status: 500 });
  }

  total(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }

  add(jobId: string, name: string, state: JobState, startTime: number): void {
    this.jobs.push({ jobId, name, state, startTime, endTime: undefined, lastModification: startTime });
  }

  async overview() {
    this.count('overview');
    if (this.down) throw new FlinkError('FLINK_UNREACHABLE', 'prod', 'GET /overview', 'ECONNREFUSED');
    return { flinkVersion: '1.20.1', taskManagers: 1, slotsTotal: 4, slotsAvailable: 4 };
  }
  async jobsOverview() {
    this.count('jobsOverview');
    return this.jobs;
  }
  async checkpoints(jobId: string): Promise<CheckpointStatsResult> {
    this.count('checkpoints', jobId);
    if (this.disabled.has(jobId)) return { enabled: false };
    return {
      enabled: true,
      stats: { completed: 1, failed: 0, inProgress: 0, latestCompleted: undefined, latestSavepoint: undefined },
    };
  }
  async checkpointConfig(jobId: string) {
    this.count('checkpointConfig', jobId);
    return this.disabled.has(jobId) ? undefined : { externalized: true, deleteOnCancellation: false };
  }
  async restarts(jobId: string) {
    this.count('restarts', jobId);
    return 0;
  }
  async listJars() {
    return [];
  }
  async uploadJar(): Promise<never> {
    throw new Error('not used');
  }
  async runJar(): Promise<never> {
    throw new Error('not used');
  }
  async close() {}
}

describe('collectCluster', () => {
  it('asks per-job questions only for current instances, and only once for terminal ones', async () => {
    const api = new FakeApi();
    const cache = new InstanceCache();
    api.add('old', 'a', 'FAILED', 1);
    api.add('new', 'a', 'RUNNING', 2);
    api.add('done', 'b', 'FINISHED', 1);
    api.add('nocp', 'c', 'RUNNING', 1);
    api.disabled.add('nocp');

    const first = await collectCluster(api, cache);
    assert.ok(first.up);
    assert.deepEqual([...first.details.keys()].sort(), ['done', 'new', 'nocp']);
    // 2 cluster calls + 3 per current instance (config, statistics, restarts); nothing for 'old'.
    assert.equal(api.total(), 2 + 3 * 3);

    api.calls.clear();
    await collectCluster(api, cache);
    // 'new': statistics + restarts; 'nocp': restarts only (no checkpointing, known from its config); 'done': cached.
    assert.deepEqual(Object.fromEntries(api.calls), { overview: 1, jobsOverview: 1, checkpoints: 1, restarts: 2 });

    // 'new' fails: fetched once more in its final state, then never again.
    api.jobs = api.jobs.map((j) => (j.jobId === 'new' ? { ...j, state: 'FAILED' as const } : j));
    api.calls.clear();
    await collectCluster(api, cache);
    assert.deepEqual(Object.fromEntries(api.calls), { overview: 1, jobsOverview: 1, checkpoints: 1, restarts: 2 });
    api.calls.clear();
    await collectCluster(api, cache);
    assert.deepEqual(Object.fromEntries(api.calls), { overview: 1, jobsOverview: 1, restarts: 1 });
  });

  it('forgets cached instances that left the job store', async () => {
    const api = new FakeApi();
    const cache = new InstanceCache();
    api.add('done', 'b', 'FINISHED', 1);
    await collectCluster(api, cache);
    assert.equal(cache.size, 1);
    api.jobs = [];
    await collectCluster(api, cache);
    assert.equal(cache.size, 0);
  });

  it('an unreachable cluster is a value, not an exception', async () => {
    const api = new FakeApi();
    api.down = true;
    const snap = await collectCluster(api, new InstanceCache());
    assert.equal(snap.up, false);
  });

  it('a failing per-job call keeps the cluster up and the job without details', async () => {
    const api = new FakeApi();
    api.add('x', 'a', 'RUNNING', 1);
    api.add('y', 'b', 'RUNNING', 1);
    api.failing.add('x');
    const snap = await collectCluster(api, new InstanceCache());
    assert.ok(snap.up);
    assert.equal(snap.errors.length, 1);
    assert.deepEqual([...snap.details.keys()], ['y']);
  });
});
