/**
 * What the exporter need not ask Flink again, per cluster: an instance's checkpoint config never changes, a
 * terminal instance's checkpoint statistics and restart count never change either, and a running instance's
 * latest checkpoint stays the same until its completed count moves. Entries live until the instance leaves
 * /jobs/overview (Flink's job store expiry).
 *
 * It also hands back last scrape's objects for what did not change (an instance's overview, its details): a
 * scrape's values live until the exposition is written, long enough for V8 to promote them, so equal new
 * objects would fill the old generation with copies of what it already holds.
 */
import { indexCurrentInstances, type CurrentInstances } from '../flink/current-instance.js';
import type { CheckpointConfig, CheckpointStats, CheckpointStatsResult, JobOverview } from '../flink/types.js';
import type { CachedStats } from './checkpoint-refresh.js';
import type { JobDetails } from './snapshot.js';

export class InstanceCache {
  /** null: checkpointing disabled (Flink answered 404). */
  private readonly configs = new Map<string, CheckpointConfig | null>();
  private readonly terminal = new Map<string, JobDetails>();
  private readonly checkpointStats = new Map<string, CachedStats>();
  private readonly lastDetails = new Map<string, JobDetails>();
  private instances = new Map<string, JobOverview>();
  private lastJobs: readonly JobOverview[] = [];
  private lastCurrent: { readonly jobs: readonly JobOverview[]; readonly index: CurrentInstances } | undefined;

  /**
   * `jobs` with every instance that did not change since the last call replaced by last call's object, and last
   * call's list itself when nothing changed; `changed` says whether the set of instances differs.
   */
  reuseInstances(jobs: readonly JobOverview[]): { readonly jobs: readonly JobOverview[]; readonly changed: boolean } {
    let same = jobs.length === this.lastJobs.length;
    const out: JobOverview[] = [];
    for (let i = 0; i < jobs.length; i += 1) {
      const job = jobs[i] as JobOverview;
      const before = this.instances.get(job.jobId);
      const kept = before !== undefined && (before === job || sameInstance(before, job)) ? before : job;
      if (kept !== this.lastJobs[i]) same = false;
      out.push(kept);
    }
    if (same) return { jobs: this.lastJobs, changed: false };
    const next = new Map(out.map((job) => [job.jobId, job]));
    const changed = next.size !== this.instances.size || out.some((job) => !this.instances.has(job.jobId));
    this.instances = next;
    this.lastJobs = out;
    return { jobs: out, changed };
  }

  /** The current instances of `jobs`, indexed; last call's index while the list is the same object. */
  current(jobs: readonly JobOverview[]): CurrentInstances {
    if (this.lastCurrent?.jobs !== jobs) this.lastCurrent = { jobs, index: indexCurrentInstances(jobs) };
    return this.lastCurrent.index;
  }

  /** `details`, or last scrape's details of the instance when they are equal. */
  keepDetails(jobId: string, details: JobDetails): JobDetails {
    const before = this.lastDetails.get(jobId);
    if (before !== undefined && sameDetails(before, details)) return before;
    this.lastDetails.set(jobId, details);
    return details;
  }

  /**
   * Last scrape's details of the instance when they say the same as these parts, else new details, kept for the
   * next scrape. Compared before anything is made: a steady scrape allocates no details at all.
   */
  detailsOf(
    jobId: string,
    stats: CheckpointStats | 'disabled',
    checkpointConfig: CheckpointConfig | undefined,
    restarts: number | undefined,
  ): JobDetails {
    const before = this.lastDetails.get(jobId);
    if (
      before !== undefined &&
      before.restarts === restarts &&
      before.checkpointConfig === checkpointConfig &&
      (stats === 'disabled'
        ? before.checkpoints.kind === 'disabled'
        : before.checkpoints.kind === 'enabled' && sameStats(before.checkpoints.stats, stats))
    ) {
      return before;
    }
    const details: JobDetails = {
      checkpoints: stats === 'disabled' ? DISABLED : { kind: 'enabled', stats },
      checkpointConfig,
      restarts,
    };
    this.lastDetails.set(jobId, details);
    return details;
  }

  /** The last `/checkpoints` read of a running instance. */
  stats(jobId: string): CachedStats | undefined {
    return this.checkpointStats.get(jobId);
  }

  setStats(jobId: string, stats: CachedStats): void {
    this.checkpointStats.set(jobId, stats);
  }

  /** The cached checkpoint config: a config, null when disabled, undefined when not known yet. */
  config(jobId: string): CheckpointConfig | null | undefined {
    return this.configs.get(jobId);
  }

  setConfig(jobId: string, config: CheckpointConfig | undefined): void {
    this.configs.set(jobId, config ?? null);
  }

  /** The final details of a terminal instance, if fetched before. */
  terminalDetails(jobId: string): JobDetails | undefined {
    return this.terminal.get(jobId);
  }

  setTerminalDetails(jobId: string, details: JobDetails): void {
    this.terminal.set(jobId, details);
  }

  /** Drops the final details of an instance that is active again. */
  forgetTerminal(jobId: string): void {
    this.terminal.delete(jobId);
  }

  /** Forgets instances that are no longer in Flink's job store. */
  prune(present: ReadonlySet<string>): void {
    for (const id of this.configs.keys()) if (!present.has(id)) this.configs.delete(id);
    for (const id of this.terminal.keys()) if (!present.has(id)) this.terminal.delete(id);
    for (const id of this.checkpointStats.keys()) if (!present.has(id)) this.checkpointStats.delete(id);
    for (const id of this.lastDetails.keys()) if (!present.has(id)) this.lastDetails.delete(id);
  }

  /** Entries held (for tests). */
  get size(): number {
    return new Set([
      ...this.configs.keys(),
      ...this.terminal.keys(),
      ...this.checkpointStats.keys(),
      ...this.lastDetails.keys(),
    ]).size;
  }
}

function sameInstance(a: JobOverview, b: JobOverview): boolean {
  return (
    a.jobId === b.jobId &&
    a.name === b.name &&
    a.state === b.state &&
    a.startTime === b.startTime &&
    a.endTime === b.endTime &&
    a.lastModification === b.lastModification
  );
}

const DISABLED: CheckpointStatsResult = { kind: 'disabled' };

/** Statistics equal in value; the latest checkpoints are compared by identity (they come from the cache). */
function sameStats(x: CheckpointStats, y: CheckpointStats): boolean {
  return (
    x === y ||
    (x.completed === y.completed &&
      x.failed === y.failed &&
      x.inProgress === y.inProgress &&
      x.latestCompleted === y.latestCompleted &&
      x.latestSavepoint === y.latestSavepoint &&
      x.latestRestored === y.latestRestored)
  );
}

function sameCheckpoints(a: CheckpointStatsResult, b: CheckpointStatsResult): boolean {
  if (a.kind === 'disabled' || b.kind === 'disabled') return a.kind === b.kind;
  return sameStats(a.stats, b.stats);
}

function sameDetails(a: JobDetails, b: JobDetails): boolean {
  return (
    a.restarts === b.restarts &&
    a.checkpointConfig === b.checkpointConfig &&
    sameCheckpoints(a.checkpoints, b.checkpoints)
  );
}
