/**
 * A scrape's per-job details as a read-only map by JobID, stored as an array beside the current instances' index.
 * The index is kept while the job list is unchanged, so a steady scrape allocates one array instead of a hash
 * map of every job, which at 10,000 jobs is a large object that only a full collection frees.
 */
import type { CurrentInstances } from '../flink/current-instance.js';
import type { JobDetails } from './snapshot.js';

export class ScrapeDetails implements ReadonlyMap<string, JobDetails> {
  private readonly values_: (JobDetails | undefined)[];

  constructor(
    private readonly current: CurrentInstances,
    values?: readonly (JobDetails | undefined)[],
  ) {
    this.values_ = values === undefined ? new Array<JobDetails | undefined>(current.list.length) : [...values];
  }

  /** Sets the details of the current instance at `index` of the index's list. */
  set(index: number, details: JobDetails): void {
    this.values_[index] = details;
  }

  /** A copy that later `set`s on this one do not change. */
  copy(): ScrapeDetails {
    return new ScrapeDetails(this.current, this.values_);
  }

  get(jobId: string): JobDetails | undefined {
    const i = this.current.position.get(jobId);
    return i === undefined ? undefined : this.values_[i];
  }

  has(jobId: string): boolean {
    return this.get(jobId) !== undefined;
  }

  get size(): number {
    let n = 0;
    for (const value of this.values_) if (value !== undefined) n += 1;
    return n;
  }

  *entries(): MapIterator<[string, JobDetails]> {
    const { list } = this.current;
    for (let i = 0; i < list.length; i += 1) {
      const value = this.values_[i];
      if (value !== undefined) yield [(list[i] as { jobId: string }).jobId, value];
    }
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<JobDetails> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, JobDetails]> {
    return this.entries();
  }

  forEach(fn: (value: JobDetails, key: string, map: ReadonlyMap<string, JobDetails>) => void): void {
    for (const [key, value] of this.entries()) fn(value, key, this);
  }
}
