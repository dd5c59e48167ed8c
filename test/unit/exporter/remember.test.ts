import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sightings } from '../../../src/exporter/remember.js';
import type { ClusterSnapshot, JobDetails } from '../../../src/exporter/snapshot.js';
import { currentInstances } from '../../../src/flink/current-instance.js';
import type { JobState } from '../../../src/flink/job-state.js';
import type { JobOverview } from '../../../src/flink/types.js';
import type { RememberedJob } from '../../../src/state/job-memory.js';

const instance = (jobId: string, name: string, state: JobState = 'RUNNING', startTime = 1): JobOverview => ({
  jobId,
  name,
  state,
  startTime,
  endTime: undefined,
  lastModification: startTime,
});

const checkpoint = (path: string, completedAt: number) => ({
  id: completedAt,
  externalPath: path,
  completedAt,
  durationMs: 1,
  sizeBytes: 1,
});

function withPaths(completed?: string, savepoint?: string): JobDetails {
  return {
    checkpoints: {
      kind: 'enabled',
      stats: {
        completed: 1,
        failed: 0,
        inProgress: 0,
        latestCompleted: completed === undefined ? undefined : checkpoint(completed, 10),
        latestSavepoint: savepoint === undefined ? undefined : checkpoint(savepoint, 20),
      },
    },
    checkpointConfig: undefined,
    restarts: 0,
  };
}

function snapshot(jobs: JobOverview[], details: Record<string, JobDetails>): ClusterSnapshot {
  return {
    cluster: 'prod',
    ok: true,
    overview: { flinkVersion: '1.20.1', taskManagers: 1, slotsTotal: 1, slotsAvailable: 0 },
    jobs,
    current: currentInstances(jobs),
    details: new Map(Object.entries(details)),
    errors: [],
  };
}

const nothing = (): RememberedJob | undefined => undefined;

describe('sightings', () => {
  it('records the current instance of each name with its newest checkpoint or savepoint path', () => {
    const seen = sightings(
      snapshot(
        [instance('old', 'orders', 'FAILED', 1), instance('new', 'orders', 'RUNNING', 2), instance('p', 'pay')],
        {
          new: withPaths('file:/cp/chk-1', 'file:/sp/sp-2'),
          p: withPaths('file:/cp/chk-9'),
        },
      ),
      nothing,
    );
    assert.deepEqual(Object.fromEntries(seen), {
      orders: { jobId: 'new', lastState: 'RUNNING', checkpointPath: 'file:/sp/sp-2' },
      pay: { jobId: 'p', lastState: 'RUNNING', checkpointPath: 'file:/cp/chk-9' },
    });
  });

  it('keeps the last known path for a successor without checkpoints, from the last scrape or the memory', () => {
    const remembered = (): RememberedJob => ({
      jobId: 'gone',
      lastState: 'FAILED',
      checkpointPath: 'file:/cp/remembered',
      seenAt: 1,
    });
    const first = sightings(snapshot([instance('a', 'orders')], {}), remembered);
    assert.equal(first.get('orders')?.checkpointPath, 'file:/cp/remembered');
    const second = sightings(snapshot([instance('b', 'orders', 'RUNNING', 2)], {}), nothing, first);
    assert.equal(second.get('orders')?.checkpointPath, 'file:/cp/remembered');
  });

  it('hands back the last map when nothing changed, and reuses the records of jobs that did not', () => {
    const jobs = [instance('a', 'orders'), instance('b', 'pay')];
    const first = sightings(snapshot(jobs, { a: withPaths('file:/cp/1'), b: withPaths('file:/cp/2') }), nothing);
    const same = sightings(snapshot(jobs, { a: withPaths('file:/cp/1'), b: withPaths('file:/cp/2') }), nothing, first);
    assert.equal(same, first);
    const moved = sightings(snapshot(jobs, { a: withPaths('file:/cp/1'), b: withPaths('file:/cp/3') }), nothing, first);
    assert.notEqual(moved, first);
    assert.equal(moved.get('orders'), first.get('orders'));
    assert.equal(moved.get('pay')?.checkpointPath, 'file:/cp/3');
    const fewer = sightings(snapshot([jobs[0] as JobOverview], { a: withPaths('file:/cp/1') }), nothing, moved);
    assert.deepEqual([...fewer.keys()], ['orders']);
  });
});
