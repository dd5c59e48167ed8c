/**
 * What the exporter need not ask Flink again, per cluster: an instance's checkpoint config never changes, a
 * terminal instance's checkpoint statistics and restart count never change either, and a running instance's
 * latest checkpoint stays the same until its completed count moves. Entries live until the instance leaves
 * /jobs/overview (Flink's job store expiry).
 *
 * It also hands back last scrape's objects for what did not change (the job list, an instance's overview, its
 * details): a scrape's values live until the exposition is written, long enough for V8 to promote them, so equal
 * new objects would fill the old generation with copies of what it already holds.
 *
 * Everything known of one instance is one entry, found by one lookup per job and scrape.
 */
import { indexCurrentInstances, type CurrentInstances } from '../flink/current-instance.js';
import type { CheckpointConfig, CheckpointStats, CheckpointStatsResult, JobOverview } from '../flink/types.js';
import { ReusedList } from '../reused-list.js';
import type { CachedStats } from './checkpoint-refresh.js';
import type { JobDetails } from './snapshot.js';

/** What is kept of one listed instance between scrapes. */
export class KnownInstance {
  /** Its checkpoint config: undefined until asked, null when checkpointing is disabled (Flink answered 404). */
  config: CheckpointConfig | null | undefined;
  /** The last `/checkpoints` read while it ran. */
  stats: CachedStats | undefined;
  /** Its details once fetched in a terminal state: they never change again. */
  final: JobDetails | undefined;
  /** Last scrape's details, handed back while equal. */
  private last: JobDetails | undefined;

  constructor(
    /** The instance as last listed. */
    public overview: JobOverview,
  ) {}

  /** `details`, or last scrape's details when they are equal. */
  keep(details: JobDetails): JobDetails {
    const before = this.last;
    if (before !== undefined && sameDetails(before, details)) return before;
    this.last = details;
    return details;
  }

  /**
   * Last scrape's details when they say the same as these parts, else new details, kept for the next scrape.
   * Compared before anything is made: a steady scrape allocates no details at all.
   */
  detailsOf(
    stats: CheckpointStats | 'disabled',
    checkpointConfig: CheckpointConfig | undefined,
    restarts: number | undefined,
  ): JobDetails {
    const before = this.last;
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
    this.last = details;
    return details;
  }
}

export class InstanceCache {
  private known = new Map<string, KnownInstance>();
  private lastJobs: readonly JobOverview[] = [];
  /** The index of the last job list, and the details of the last scrape of it that finished, by place. */
  private lastCurrent:
    | {
        readonly jobs: readonly JobOverview[];
        readonly index: CurrentInstances;
        places: readonly (JobDetails | undefined)[] | undefined;
      }
    | undefined;

  /**
   * `jobs` with every instance that did not change since the last call replaced by last call's object, and last
   * call's list itself when nothing changed. What is known of an instance that is no longer listed is dropped here.
   */
  reuseInstances(jobs: readonly JobOverview[]): readonly JobOverview[] {
    // The client hands back its last list when no entry changed.
    if (jobs === this.lastJobs) return jobs;
    // `jobs` itself unless an instance is replaced by the known one.
    const reused = new ReusedList(jobs, jobs.length);
    for (const job of jobs) {
      const before = this.known.get(job.jobId)?.overview;
      reused.add(before !== undefined && sameInstance(before, job) ? before : job);
    }
    const kept = reused.list;
    if (sameList(kept, this.lastJobs)) return this.lastJobs;
    const next = new Map<string, KnownInstance>();
    for (const job of kept) {
      const entry = this.known.get(job.jobId);
      if (entry === undefined) {
        next.set(job.jobId, new KnownInstance(job));
      } else {
        entry.overview = job;
        next.set(job.jobId, entry);
      }
    }
    this.known = next;
    this.lastJobs = kept;
    return kept;
  }

  /** The current instances of `jobs`, indexed; last call's index while the list is the same object. */
  current(jobs: readonly JobOverview[]): CurrentInstances {
    if (this.lastCurrent?.jobs !== jobs) {
      this.lastCurrent = { jobs, index: indexCurrentInstances(jobs), places: undefined };
    }
    return this.lastCurrent.index;
  }

  /** The details places of the last finished scrape, when it had the same index (a scrape's `ScrapeDetails` base). */
  placesOf(index: CurrentInstances): readonly (JobDetails | undefined)[] | undefined {
    return this.lastCurrent?.index === index ? this.lastCurrent.places : undefined;
  }

  /** Keeps a finished scrape's details places; those of an index no longer current are not kept. */
  setPlaces(index: CurrentInstances, places: readonly (JobDetails | undefined)[]): void {
    if (this.lastCurrent?.index === index) this.lastCurrent.places = places;
  }

  /**
   * What is known of a listed instance. An instance a concurrent scrape's newer list no longer has gets an entry
   * of its own, which that list's next change drops again.
   */
  instance(job: JobOverview): KnownInstance {
    let entry = this.known.get(job.jobId);
    if (entry === undefined) {
      entry = new KnownInstance(job);
      this.known.set(job.jobId, entry);
    }
    return entry;
  }

  /** Instances known (for tests). */
  get size(): number {
    return this.known.size;
  }
}

function sameList(a: readonly JobOverview[], b: readonly JobOverview[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
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
