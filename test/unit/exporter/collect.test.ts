import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectCluster } from '../../../src/exporter/collect.js';
import { ScrapeDetails } from '../../../src/exporter/details.js';
import { InstanceCache } from '../../../src/exporter/instance-cache.js';
import { FlinkError } from '../../../src/errors.js';
import type { FlinkApi } from '../../../src/flink/api.js';
import { isTerminal, type JobState } from '../../../src/flink/job-state.js';
import type { CheckpointStatsResult, JobMetrics, JobOverview } from '../../../src/flink/types.js';

/** An in-memory FlinkApi that counts calls by method. */
class FakeApi implements FlinkApi {
  readonly cluster = 'prod';
  readonly calls = new Map<string, number>();
  jobs: JobOverview[] = [];
  disabled = new Set<string>();
  failing = new Set<string>();
  /** Per-job calls of these instances never answer. */
  hanging = new Set<string>();
  /** Completed checkpoints by JobID (1 unless set). */
  completed = new Map<string, number>();
  down = false;
  hangOverview = false;

  private count(method: string, jobId?: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    if (jobId !== undefined && this.failing.has(jobId))
      throw new FlinkError('FLINK_HTTP_STATUS', 'prod', method, 'HTTP 500', { status: 500 });
  }

  private async hang(jobId: string | undefined): Promise<void> {
    if ((jobId !== undefined && this.hanging.has(jobId)) || (jobId === undefined && this.hangOverview)) {
      await new Promise(() => undefined);
    }
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
    await this.hang(undefined);
    return { flinkVersion: '1.20.1', taskManagers: 1, slotsTotal: 4, slotsAvailable: 4 };
  }
  async jobsOverview() {
    this.count('jobsOverview');
    return this.jobs;
  }
  async checkpoints(jobId: string): Promise<CheckpointStatsResult> {
    this.count('checkpoints', jobId);
    await this.hang(jobId);
    if (this.disabled.has(jobId)) return { kind: 'disabled' };
    const completed = this.completed.get(jobId) ?? 1;
    return {
      kind: 'enabled',
      stats: { completed, failed: 0, inProgress: 0, latestCompleted: undefined, latestSavepoint: undefined },
    };
  }
  async checkpointConfig(jobId: string) {
    this.count('checkpointConfig', jobId);
    return this.disabled.has(jobId) ? undefined : { externalized: true, deleteOnCancellation: false };
  }
  /** Like Flink: an ended instance's metrics are gone; a running one reports its counters. */
  async jobMetrics(jobId: string): Promise<JobMetrics> {
    this.count('jobMetrics', jobId);
    await this.hang(jobId);
    const job = this.jobs.find((j) => j.jobId === jobId);
    if (job === undefined || isTerminal(job.state)) return { restarts: undefined, checkpoints: undefined };
    const completed = this.completed.get(jobId) ?? 1;
    return { restarts: 0, checkpoints: { completed, failed: 0, inProgress: 0 } };
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

/** Aborts after `ms`; unlike AbortSignal.timeout its timer keeps the test's event loop alive. */
function deadline(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
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
    assert.ok(first.ok);
    assert.deepEqual([...first.details.keys()].sort(), ['done', 'new', 'nocp']);
    // 2 cluster calls + 3 per current instance (config, statistics, metrics); nothing for 'old'.
    assert.equal(api.total(), 2 + 3 * 3);

    api.calls.clear();
    await collectCluster(api, cache);
    // One call per running instance: no checkpoint completed, so no statistics; 'done': cached.
    assert.deepEqual(Object.fromEntries(api.calls), { overview: 1, jobsOverview: 1, jobMetrics: 2 });

    // A checkpoint of 'new' completes: its statistics are read again, and the snapshot has the new count.
    api.completed.set('new', 2);
    api.calls.clear();
    const moved = await collectCluster(api, cache);
    assert.deepEqual(Object.fromEntries(api.calls), { overview: 1, jobsOverview: 1, jobMetrics: 2, checkpoints: 1 });
    assert.ok(moved.ok);
    const stats = moved.details.get('new')?.checkpoints;
    assert.equal(stats?.kind === 'enabled' ? stats.stats.completed : undefined, 2);

    // 'new' fails: fetched once more in its final state (its metrics are gone), then never again.
    api.jobs = api.jobs.map((j) => (j.jobId === 'new' ? { ...j, state: 'FAILED' as const } : j));
    api.calls.clear();
    await collectCluster(api, cache);
    assert.deepEqual(Object.fromEntries(api.calls), { overview: 1, jobsOverview: 1, jobMetrics: 2, checkpoints: 1 });
    api.calls.clear();
    await collectCluster(api, cache);
    assert.deepEqual(Object.fromEntries(api.calls), { overview: 1, jobsOverview: 1, jobMetrics: 1 });
  });

  it("hands back last scrape's objects for instances and details that did not change", async () => {
    const api = new FakeApi();
    const cache = new InstanceCache();
    api.add('x', 'a', 'RUNNING', 1);
    api.add('y', 'b', 'RUNNING', 1);
    api.add('z', 'c', 'RUNNING', 1);
    api.disabled.add('z');
    // Like the REST client: every read of /jobs/overview is a new list of new objects.
    const fresh = () => api.jobs.map((j) => ({ ...j }));
    api.jobsOverview = async () => fresh();
    await collectCluster(api, cache);
    const second = await collectCluster(api, cache);
    const third = await collectCluster(api, cache);
    assert.ok(second.ok && third.ok);
    assert.equal(third.jobs, second.jobs);
    for (const id of ['x', 'y', 'z']) assert.equal(third.details.get(id), second.details.get(id), id);
    // Nothing changed: the third scrape's details share the second's array instead of making one.
    assert.ok(second.details instanceof ScrapeDetails && third.details instanceof ScrapeDetails);
    assert.equal(third.details.places, second.details.places);

    // A checkpoint of 'x' completes and 'y' restarts as a new instance: only what changed is new.
    api.completed.set('x', 2);
    api.jobs = api.jobs.map((j) => (j.jobId === 'y' ? { ...j, jobId: 'y2', startTime: 5 } : j));
    const fourth = await collectCluster(api, cache);
    assert.ok(fourth.ok);
    assert.notEqual(fourth.jobs, third.jobs);
    assert.equal(fourth.jobs[0], third.jobs[0]);
    assert.equal(fourth.jobs[1]?.jobId, 'y2');
    assert.notEqual(fourth.details.get('x'), third.details.get('x'));
    const x = fourth.details.get('x')?.checkpoints;
    assert.equal(x?.kind === 'enabled' ? x.stats.completed : undefined, 2);
    assert.equal(fourth.details.get('z'), third.details.get('z'));
    // 'y' left the job store: nothing of it is kept.
    assert.equal(cache.size, 3);
  });

  it('returns at the deadline with what it collected: the jobs that answered, and an error', async () => {
    const api = new FakeApi();
    api.add('x', 'a', 'RUNNING', 1);
    api.add('y', 'b', 'RUNNING', 1);
    api.hanging.add('x');
    const snap = await collectCluster(api, new InstanceCache(), deadline(100));
    assert.ok(snap.ok);
    assert.deepEqual([...snap.details.keys()], ['y']);
    assert.match(snap.errors.at(-1)?.message ?? '', /the scrape deadline passed/);
  });

  it('is down at the deadline when the cluster calls did not answer', async () => {
    const api = new FakeApi();
    api.hangOverview = true;
    const snap = await collectCluster(api, new InstanceCache(), deadline(100));
    assert.equal(snap.ok, false);
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
    assert.equal(snap.ok, false);
  });

  it('a failing per-job call keeps the cluster up and the job without details', async () => {
    const api = new FakeApi();
    api.add('x', 'a', 'RUNNING', 1);
    api.add('y', 'b', 'RUNNING', 1);
    api.failing.add('x');
    const snap = await collectCluster(api, new InstanceCache());
    assert.ok(snap.ok);
    assert.equal(snap.errors.length, 1);
    assert.deepEqual([...snap.details.keys()], ['y']);
  });
});
