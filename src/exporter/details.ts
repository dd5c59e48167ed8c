/**
 * A scrape's per-job details as a read-only map by JobID, stored as an array beside the current instances' index.
 * The index is kept while the job list is unchanged, so a scrape needs an array instead of a hash map of every
 * job, which at 10,000 jobs is a large object that only a full collection frees; and a steady scrape, which sets
 * every job's details to last scrape's, shares last scrape's array instead of making one.
 */
import type { CurrentInstances } from '../flink/current-instance.js';
import type { JobDetails } from './snapshot.js';

export class ScrapeDetails implements ReadonlyMap<string, JobDetails> {
  /** What the places hold: `own`, or an array shared with another scrape, which nobody writes. */
  private values_: readonly (JobDetails | undefined)[];
  /** The array this scrape may write, once it set a place to something new. */
  private own: (JobDetails | undefined)[] | undefined;
  /** Which places this scrape set: a place not set reads as absent, whatever `values_` holds there. */
  private readonly set_: Uint8Array;

  /**
   * `base` is what a previous scrape's `places` held for the same index: shared until a place is set to something
   * else.
   */
  constructor(
    private readonly current: CurrentInstances,
    base?: readonly (JobDetails | undefined)[],
    set?: Uint8Array,
  ) {
    const n = current.list.length;
    this.values_ = base !== undefined && base.length === n ? base : new Array<JobDetails | undefined>(n);
    this.set_ = set ?? new Uint8Array(n);
  }

  /** The places, for the next scrape's `base`; a place this scrape did not set holds an older value. */
  get places(): readonly (JobDetails | undefined)[] {
    return this.values_;
  }

  /** Sets the details of the current instance at `index` of the index's list. */
  set(index: number, details: JobDetails): void {
    this.set_[index] = 1;
    if (this.values_[index] === details) return;
    if (this.own === undefined) {
      this.own = [...this.values_];
      this.values_ = this.own;
    }
    this.own[index] = details;
  }

  /** A copy that later `set`s on this one do not change. */
  copy(): ScrapeDetails {
    // The array becomes shared between the two: whichever writes next makes its own.
    this.own = undefined;
    return new ScrapeDetails(this.current, this.values_, this.set_.slice());
  }

  get(jobId: string): JobDetails | undefined {
    const i = this.current.position.get(jobId);
    return i === undefined || this.set_[i] !== 1 ? undefined : this.values_[i];
  }

  has(jobId: string): boolean {
    return this.get(jobId) !== undefined;
  }

  get size(): number {
    let n = 0;
    for (let i = 0; i < this.values_.length; i += 1) if (this.set_[i] === 1 && this.values_[i] !== undefined) n += 1;
    return n;
  }

  *entries(): MapIterator<[string, JobDetails]> {
    const { list } = this.current;
    for (let i = 0; i < list.length; i += 1) {
      const value = this.set_[i] === 1 ? this.values_[i] : undefined;
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
