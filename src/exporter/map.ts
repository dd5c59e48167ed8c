/**
 * The pure mapping from cluster snapshots to the exporter's metric families. Everything a scrape exposes is
 * decided here, from the snapshots alone: a job Flink no longer lists produces no series.
 *
 * The mapping builds one row per cluster and one per job name (clusters and names sorted, so every family
 * comes out in label order without a sort) and describes each family as a function of a row. The samples are
 * generated from the rows while the exposition is written: a row's label text is rendered once and shared by
 * all of its series, and the hundreds of thousands of samples of a 10,000-job scrape never exist at the same
 * time.
 */
import type { JobSpec } from '../config/schema.js';
import { JOB_STATES } from '../flink/job-state.js';
import type { CheckpointStats, ClusterOverview, CompletedCheckpoint, JobOverview } from '../flink/types.js';
import { ReusedList } from '../reused-list.js';
import type { RememberedJob } from '../state/job-memory.js';
import { label, rowFamily, type MetricFamily, type Push } from './families.js';
import { EXPORTER_METRICS, type ExporterMetric } from './metric-defs.js';
import type { ClusterSnapshot, JobDetails } from './snapshot.js';

/** What is remembered of a job; the mapping reads it only to tell a lost job from one stopped on purpose. */
export type MemoryLookup = (cluster: string, jobName: string) => RememberedJob | undefined;

type ClusterMetric = Extract<ExporterMetric, `flink_cluster_${string}`>;
type JobMetric = Extract<ExporterMetric, `flink_job_${string}`>;

interface ClusterRow {
  /** `cluster="…"` */
  readonly labels: string;
  readonly snapshot: ClusterSnapshot;
}

/** One job name of a reachable cluster: its current instance, or a catalog job Flink has no instance of. */
type JobRow =
  | {
      /** `cluster="…",job_name="…"` */
      readonly labels: string;
      readonly job: JobOverview;
      /** Undefined when this scrape's per-job calls for the instance failed. */
      readonly details: JobDetails | undefined;
      readonly inCatalog: boolean;
    }
  | {
      readonly labels: string;
      readonly job: undefined;
      /** False when the job was last seen CANCELED or FINISHED: stopped on purpose, not lost. */
      readonly missing: boolean;
    };

/** `,state="…"` for every Flink job state, in exposition (label value) order. */
const STATE_LABELS: readonly (readonly [string, string])[] = [...JOB_STATES]
  .sort()
  .map((state) => [state, `,${label('state', state)}`]);
const COMPLETED = `,${label('result', 'completed')}`;
const FAILED = `,${label('result', 'failed')}`;

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const isClusterMetric = (name: ExporterMetric): name is ClusterMetric => name.startsWith('flink_cluster_');

/** Samples from a reachable cluster's overview; an unreachable one has none. */
function fromOverview(
  samples: (labels: string, overview: ClusterOverview, push: Push) => void,
): (row: ClusterRow, push: Push) => void {
  return (row, push) => {
    if (row.snapshot.ok) samples(row.labels, row.snapshot.overview, push);
  };
}

const CLUSTER_SAMPLES: Readonly<Record<ClusterMetric, (row: ClusterRow, push: Push) => void>> = {
  flink_cluster_up: (row, push) => push(row.labels, row.snapshot.ok ? 1 : 0),
  flink_cluster_info: fromOverview((labels, overview, push) =>
    push(labels, 1, `,${label('flink_version', overview.flinkVersion)}`),
  ),
  flink_cluster_taskmanagers: fromOverview((labels, overview, push) => push(labels, overview.taskManagers)),
  flink_cluster_slots_total: fromOverview((labels, overview, push) => push(labels, overview.slotsTotal)),
  flink_cluster_slots_available: fromOverview((labels, overview, push) => push(labels, overview.slotsAvailable)),
};

/** Samples from a present job's details, when this scrape has them. */
function fromDetails(
  samples: (labels: string, details: JobDetails, push: Push) => void,
): (row: JobRow, push: Push) => void {
  return (row, push) => {
    if (row.job !== undefined && row.details !== undefined) samples(row.labels, row.details, push);
  };
}

/** Samples from a present job's checkpoint statistics, when it checkpoints. */
function fromStats(
  samples: (labels: string, stats: CheckpointStats, push: Push) => void,
): (row: JobRow, push: Push) => void {
  return fromDetails((labels, details, push) => {
    if (details.checkpoints.kind === 'enabled') samples(labels, details.checkpoints.stats, push);
  });
}

/** Samples from a present job's latest completed checkpoint, when it has one. */
function fromLatest(
  samples: (labels: string, last: CompletedCheckpoint, push: Push) => void,
): (row: JobRow, push: Push) => void {
  return fromStats((labels, stats, push) => {
    if (stats.latestCompleted !== undefined) samples(labels, stats.latestCompleted, push);
  });
}

const JOB_SAMPLES: Readonly<Record<JobMetric, (row: JobRow, push: Push) => void>> = {
  flink_job_info: (row, push) => {
    if (row.job !== undefined) push(row.labels, 1, `,${label('job_id', row.job.jobId)}`);
  },
  flink_job_state: (row, push) => {
    if (row.job === undefined) return;
    for (const [state, text] of STATE_LABELS) push(row.labels, state === row.job.state ? 1 : 0, text);
  },
  flink_job_up: (row, push) => {
    if (row.job !== undefined) push(row.labels, row.job.state === 'RUNNING' ? 1 : 0);
    // A lost catalog job counts against availability; one stopped on purpose does not.
    else if (row.missing) push(row.labels, 0);
  },
  flink_job_missing: (row, push) => {
    if (row.job === undefined) push(row.labels, row.missing ? 1 : 0);
    else if (row.inCatalog) push(row.labels, 0);
  },
  flink_job_start_time_seconds: (row, push) => {
    if (row.job !== undefined) push(row.labels, row.job.startTime / 1000);
  },
  flink_job_restarts_total: fromDetails((labels, details, push) => {
    if (details.restarts !== undefined) push(labels, details.restarts);
  }),
  flink_job_checkpointing_enabled: fromDetails((labels, details, push) =>
    push(labels, details.checkpoints.kind === 'enabled' ? 1 : 0),
  ),
  flink_job_checkpoints_retained: fromDetails((labels, details, push) =>
    push(labels, details.checkpoints.kind === 'enabled' && details.checkpointConfig?.externalized === true ? 1 : 0),
  ),
  flink_job_checkpoints_total: fromStats((labels, stats, push) => {
    push(labels, stats.completed, COMPLETED);
    push(labels, stats.failed, FAILED);
  }),
  flink_job_checkpoints_in_progress: fromStats((labels, stats, push) => push(labels, stats.inProgress)),
  flink_job_last_checkpoint_completed_timestamp_seconds: fromLatest((labels, last, push) =>
    push(labels, last.completedAt / 1000),
  ),
  flink_job_last_checkpoint_duration_seconds: fromLatest((labels, last, push) => push(labels, last.durationMs / 1000)),
  flink_job_last_checkpoint_size_bytes: fromLatest((labels, last, push) => push(labels, last.sizeBytes)),
};

/**
 * The instance, for lines made of the job list alone: its overview object is reused while equal (see
 * instance-cache.ts), and its name and cluster make the labels; for a name without an instance, the row.
 */
const byInstance = (row: JobRow): unknown => row.job ?? row;
/** The row, for lines made of the details: it is reused while its instance and details are (see `jobRows`). */
const byRow = (row: JobRow): unknown => row;

/**
 * What each job family's lines of a row are made of (families.ts `KeyedRows`): the text of a family whose keys are
 * all the same as last scrape's is written as it was, so a steady scrape renders only what moved. The catalog is
 * not among the keys: it is the same for the life of the exporter that keeps the text.
 */
const JOB_KEYS: Readonly<Record<JobMetric, (row: JobRow) => unknown>> = {
  flink_job_info: byInstance,
  flink_job_state: byInstance,
  flink_job_up: byInstance,
  flink_job_missing: byInstance,
  flink_job_start_time_seconds: byInstance,
  flink_job_restarts_total: byRow,
  flink_job_checkpointing_enabled: byRow,
  flink_job_checkpoints_retained: byRow,
  flink_job_checkpoints_total: byRow,
  flink_job_checkpoints_in_progress: byRow,
  flink_job_last_checkpoint_completed_timestamp_seconds: byRow,
  flink_job_last_checkpoint_duration_seconds: byRow,
  flink_job_last_checkpoint_size_bytes: byRow,
};

/** A cluster's job names in exposition order with their label text, from its job list and the catalog. */
interface NameIndex {
  readonly clusterLabels: string;
  readonly catalog: readonly JobSpec[];
  readonly current: ReadonlyMap<string, JobOverview>;
  readonly catalogNames: ReadonlySet<string>;
  readonly names: readonly string[];
  readonly labels: readonly string[];
  /**
   * The rows the last mapping of this list made; an equal row is reused, since a scrape's rows live until its
   * text is written, long enough for V8 to promote 10,000 new ones into the old generation at every scrape.
   */
  lastRows: readonly JobRow[] | undefined;
}

/**
 * Name indexes by job list, kept by the caller between scrapes: the collector hands back last scrape's list when
 * no instance changed, and the sort and the label text of 10,000 names are then not made again.
 */
export type NameMemo = WeakMap<readonly JobOverview[], NameIndex>;

function nameIndex(
  clusterLabels: string,
  cluster: string,
  current: ReadonlyMap<string, JobOverview>,
  catalog: readonly JobSpec[],
): NameIndex {
  const catalogNames = new Set(catalog.filter((j) => j.cluster === cluster).map((j) => j.name));
  const names = [...current.keys()];
  for (const name of catalogNames) if (!current.has(name)) names.push(name);
  names.sort(byText);
  // Joined, not concatenated: join returns a flat string, while `+` would leave a rope that every one of the
  // row's ~25 lines copies apart again when its chunk is encoded.
  const labels = names.map((name) => [clusterLabels, label('job_name', name)].join(','));
  return { clusterLabels, catalog, current, catalogNames, names, labels, lastRows: undefined };
}

/** The job rows of one cluster, sorted by name; none when it did not answer (that says nothing about its jobs). */
function jobRows(
  { labels: clusterLabels, snapshot }: ClusterRow,
  catalog: readonly JobSpec[],
  remembered: MemoryLookup,
  memo: NameMemo | undefined,
): readonly JobRow[] {
  if (!snapshot.ok) return [];
  let index = memo?.get(snapshot.jobs);
  if (index === undefined || index.catalog !== catalog || index.clusterLabels !== clusterLabels) {
    index = nameIndex(clusterLabels, snapshot.cluster, snapshot.current, catalog);
    memo?.set(snapshot.jobs, index);
  }
  const { current, catalogNames, names, labels: labelsOf, lastRows } = index;
  const rowAt = (i: number): JobRow => {
    const name = names[i] as string;
    const labels = labelsOf[i] as string;
    const before = lastRows?.[i];
    const job = current.get(name);
    if (job !== undefined) {
      const details = snapshot.details.get(job.jobId);
      if (before?.job === job && before.details === details) return before;
      return { labels, job, details, inCatalog: catalogNames.has(name) };
    }
    const last = remembered(snapshot.cluster, name)?.lastState;
    const missing = last !== 'CANCELED' && last !== 'FINISHED';
    if (before !== undefined && before.job === undefined && before.missing === missing) return before;
    return { labels, job: undefined, missing };
  };
  // A steady scrape gets last mapping's rows back.
  const rows = new ReusedList(lastRows ?? [], names.length);
  for (let i = 0; i < names.length; i += 1) rows.add(rowAt(i));
  index.lastRows = rows.list;
  return rows.list;
}

/**
 * Maps every cluster's snapshot to the exporter's metric families, sorted by name, samples in label order.
 * A family may have no samples (the renderer leaves it out). `memo` only saves work: the result is the same
 * without it.
 */
export function mapSnapshot(
  snapshots: readonly ClusterSnapshot[],
  catalog: readonly JobSpec[],
  remembered: MemoryLookup,
  memo?: NameMemo,
): MetricFamily[] {
  const clusters: ClusterRow[] = [...snapshots]
    .sort((a, b) => byText(a.cluster, b.cluster))
    .map((snapshot) => ({ labels: label('cluster', snapshot.cluster), snapshot }));
  const jobs =
    clusters.length === 1
      ? jobRows(clusters[0] as ClusterRow, catalog, remembered, memo)
      : clusters.flatMap((row) => jobRows(row, catalog, remembered, memo));
  return (Object.keys(EXPORTER_METRICS) as ExporterMetric[]).sort().map((name) => {
    const def = { name, ...EXPORTER_METRICS[name] };
    return isClusterMetric(name)
      ? rowFamily(def, clusters, CLUSTER_SAMPLES[name])
      : rowFamily(def, jobs, JOB_SAMPLES[name], JOB_KEYS[name]);
  });
}
