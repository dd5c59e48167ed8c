/**
 * Fetching one cluster's snapshot for a scrape: /overview, /jobs/overview, then per-job calls only for the
 * current instance of each name and only for data that can still change (see instance-cache.ts): a known
 * running instance costs one call (its job metrics), plus `/checkpoints` when a checkpoint completed.
 */
import { FlinkError } from '../errors.js';
import type { FlinkApi } from '../flink/api.js';
import { isTerminal } from '../flink/job-state.js';
import type { CheckpointStatsResult, ClusterOverview, JobOverview } from '../flink/types.js';
import { planCheckpointStats } from './checkpoint-refresh.js';
import type { InstanceCache, KnownInstance } from './instance-cache.js';
import { ScrapeDetails } from './details.js';
import { forEachBounded } from './bounded.js';
import type { ClusterSnapshot, JobDetails } from './snapshot.js';

/** Jobs collected at once when the client does not say how many requests it runs at once. */
const DEFAULT_WIDTH = 8;

async function fetchDetails(
  api: FlinkApi,
  known: KnownInstance,
  job: JobOverview,
  signal: AbortSignal | undefined,
): Promise<JobDetails> {
  const cached = known.config;
  if (cached === undefined) {
    // A new instance: its three calls one after another. The workers already keep every connection busy, and
    // three calls at once per worker only queued twice as many requests in the pool; on a cold 10,000-job
    // scrape those queued requests were alive at so many collections that V8 began allocating them in the old
    // generation, and the peak memory of every scrape after it grew by half.
    const checkpointConfig = await api.checkpointConfig(job.jobId, signal);
    const checkpoints = await api.checkpoints(job.jobId, signal);
    const metrics = await api.jobMetrics(job.jobId, signal);
    known.config = checkpointConfig ?? null;
    remember(known, checkpoints, metrics.checkpoints?.completed);
    return { checkpoints, checkpointConfig, restarts: metrics.restarts };
  }
  const metrics = await api.jobMetrics(job.jobId, signal);
  // A job without checkpointing never gains it: once the config said 404, no statistics are asked for.
  if (cached === null) return known.detailsOf('disabled', undefined, metrics.restarts);
  const before = known.stats;
  const plan = planCheckpointStats(before, metrics.checkpoints);
  if (plan.kind === 'reuse') {
    // Kept merged, so that the next scrape with the same counters gets this very object back.
    if (before !== undefined && plan.stats !== before.stats) {
      known.stats = { stats: plan.stats, metricCompleted: before.metricCompleted };
    }
    return known.detailsOf(plan.stats, cached, metrics.restarts);
  }
  const checkpoints = await api.checkpoints(job.jobId, signal);
  remember(known, checkpoints, metrics.checkpoints?.completed);
  return { checkpoints, checkpointConfig: cached, restarts: metrics.restarts };
}

function remember(known: KnownInstance, checkpoints: CheckpointStatsResult, metricCompleted: number | undefined): void {
  if (checkpoints.kind === 'enabled') known.stats = { stats: checkpoints.stats, metricCompleted };
}

function asFlinkError(api: FlinkApi, err: unknown): FlinkError {
  return err instanceof FlinkError
    ? err
    : new FlinkError('FLINK_BAD_RESPONSE', api.cluster, 'collect', String(err), { cause: err });
}

/** Resolves when `signal` aborts; never rejects. */
function abortOf(signal: AbortSignal | undefined): Promise<'aborted'> | undefined {
  if (signal === undefined) return undefined;
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
}

/** `work`, or 'aborted' as soon as `signal` aborts, whichever comes first. */
function until<T>(work: Promise<T>, aborted: Promise<'aborted'> | undefined): Promise<T | 'aborted'> {
  return aborted === undefined ? work : Promise.race([work, aborted]);
}

function deadlineError(api: FlinkApi): FlinkError {
  return new FlinkError('FLINK_TIMEOUT', api.cluster, 'collect', 'the scrape deadline passed');
}

/**
 * /overview and /jobs/overview, the instances reused from the cache where unchanged. Its own function so that the
 * lists as read are garbage once it returns, not kept by the waiting frame of the collection.
 */
async function listCluster(
  api: FlinkApi,
  cache: InstanceCache,
  signal: AbortSignal | undefined,
  aborted: Promise<'aborted'> | undefined,
): Promise<
  | { readonly ok: true; readonly overview: ClusterOverview; readonly jobs: readonly JobOverview[] }
  | Extract<ClusterSnapshot, { ok: false }>
> {
  try {
    const both = await until(Promise.all([api.overview(signal), api.jobsOverview(signal)]), aborted);
    if (both === 'aborted') return { cluster: api.cluster, ok: false, error: deadlineError(api) };
    return { ok: true, overview: both[0], jobs: cache.reuseInstances(both[1]) };
  } catch (err) {
    return { cluster: api.cluster, ok: false, error: err instanceof Error ? err : new Error(String(err)) };
  }
}

/**
 * Collects one consistent snapshot of a cluster; never throws (an unreachable cluster is `ok: false`). When
 * `signal` aborts (the scrape deadline), it returns at once: down when /overview or /jobs/overview had not
 * answered, else up with the per-job details collected so far.
 */
export async function collectCluster(
  api: FlinkApi,
  cache: InstanceCache,
  signal?: AbortSignal,
): Promise<ClusterSnapshot> {
  const aborted = abortOf(signal);
  const listed = await listCluster(api, cache, signal, aborted);
  if (!listed.ok) return listed;
  const { overview, jobs } = listed;
  const current = cache.current(jobs);
  const details = new ScrapeDetails(current, cache.placesOf(current));
  const errors: FlinkError[] = [];
  // A steady job needs one call at a time: as many workers as the client runs requests keeps its connections
  // busy without a queue of waiting requests.
  const width = Math.max(1, api.concurrency ?? DEFAULT_WIDTH);
  const all = forEachBounded(current.list, width, async (job, index) => {
    const known = cache.instance(job);
    const terminal = isTerminal(job.state);
    // A SUSPENDED instance can come back under the same JobID (HA failover): only a terminal state reuses.
    if (!terminal) known.final = undefined;
    else if (known.final !== undefined) {
      details.set(index, known.final);
      return;
    }
    try {
      const fetched = known.keep(await fetchDetails(api, known, job, signal));
      details.set(index, fetched);
      if (terminal) known.final = fetched;
    } catch (err) {
      errors.push(asFlinkError(api, err));
    }
  });
  const snapshot = { cluster: api.cluster, ok: true, overview, jobs, current: current.byName } as const;
  if ((await until(all, aborted)) === 'aborted') {
    // Calls still settling must not change what this scrape is rendering: hand out copies.
    return { ...snapshot, details: details.copy(), errors: [...errors, deadlineError(api)] };
  }
  cache.setPlaces(current, details.places);
  return { ...snapshot, details, errors };
}
