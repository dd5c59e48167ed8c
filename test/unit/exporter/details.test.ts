import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScrapeDetails } from '../../../src/exporter/details.js';
import type { JobDetails } from '../../../src/exporter/snapshot.js';
import { indexCurrentInstances } from '../../../src/flink/current-instance.js';
import type { JobOverview } from '../../../src/flink/types.js';

const job = (jobId: string): JobOverview => ({
  jobId,
  name: `name-${jobId}`,
  state: 'RUNNING',
  startTime: 1,
  endTime: undefined,
  lastModification: 1,
});
const details = (restarts: number): JobDetails => ({
  checkpoints: { kind: 'disabled' },
  checkpointConfig: undefined,
  restarts,
});

const index = indexCurrentInstances(['a', 'b', 'c'].map(job));
const ids = index.list.map((j) => j.jobId);

describe('ScrapeDetails', () => {
  it("shares a previous scrape's places while every place is set to what it held", () => {
    const first = new ScrapeDetails(index);
    const values = [details(0), details(1), details(2)];
    for (const [i, d] of values.entries()) first.set(i, d);
    const base = first.places;
    const second = new ScrapeDetails(index, base);
    for (const [i, d] of values.entries()) second.set(i, d);
    assert.equal(second.places, base);
    assert.deepEqual(
      [...second.entries()],
      ids.map((id, i) => [id, values[i]]),
    );
  });

  it('reads a place this scrape did not set as absent, whatever the shared places hold', () => {
    const base = [details(0), details(1), details(2)];
    const partial = new ScrapeDetails(index, base);
    partial.set(0, base[0] as JobDetails);
    assert.equal(partial.get(ids[0] as string), base[0]);
    assert.equal(partial.get(ids[1] as string), undefined);
    assert.equal(partial.has(ids[2] as string), false);
    assert.equal(partial.size, 1);
    assert.deepEqual([...partial.keys()], [ids[0]]);
  });

  it('makes its own places at the first new value, never writing the shared ones', () => {
    const base = Object.freeze([details(0), details(1), details(2)]);
    const next = new ScrapeDetails(index, base);
    const changed = details(9);
    next.set(0, base[0] as JobDetails);
    next.set(1, changed);
    next.set(2, base[2] as JobDetails);
    assert.notEqual(next.places, base);
    assert.deepEqual(next.places, [base[0], changed, base[2]]);
    assert.equal(base[1]?.restarts, 1);
  });

  it('hands out copies that later sets on either side do not change', () => {
    const live = new ScrapeDetails(index);
    live.set(0, details(0));
    const copy = live.copy();
    live.set(1, details(1));
    live.set(0, details(5));
    assert.deepEqual([...copy.keys()], [ids[0]]);
    assert.equal(copy.get(ids[0] as string)?.restarts, 0);
    copy.set(2, details(2));
    assert.equal(live.get(ids[2] as string), undefined);
    assert.equal(live.get(ids[0] as string)?.restarts, 5);
  });

  it('ignores places of another length (another job list)', () => {
    const other = new ScrapeDetails(index, [details(0)]);
    assert.equal(other.size, 0);
    other.set(2, details(2));
    assert.deepEqual([...other.keys()], [ids[2]]);
  });
});
