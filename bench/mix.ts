/**
 * The benchmark's job population: a realistic mix of N job names in one JobManager, and the REST paths a
 * scrape of it needs (what the floor and the naive poller fetch). Deterministic for a given N.
 */
import { JOB_METRIC_IDS } from '../src/flink/wire/metrics.js';
import type { FlinkSimulator } from '../test/support/flink-sim/simulator.js';

/** Shares of the mix, by position modulo 20 (5% steps). */
export interface MixSummary {
  readonly names: number;
  readonly instances: number;
  readonly running: number;
  readonly failedBesideSuccessor: number;
  readonly terminal: number;
  readonly checkpointingOff: number;
  /** JobIDs of the RUNNING instances with checkpointing: the jobs of a busy cluster that complete checkpoints. */
  readonly checkpointing: readonly string[];
  /**
   * Per-job paths of a steady-state scrape: checkpoint config is known, terminal instances are final, and no
   * checkpoint completes between scrapes, so a running instance costs its job metrics only.
   */
  readonly steadyPaths: string[];
  /** REST calls of a steady-state scrape by the earlier exporter: statistics and restarts separately (2 + 2N). */
  readonly previousSteadyCalls: number;
  /** Per-job paths of a first scrape: config, statistics and job metrics of every current instance. */
  readonly coldPaths: string[];
  /** What a cron script would ask per listed instance: every per-job endpoint, no memory. */
  readonly naivePaths: string[];
}

/** A small seeded PRNG (mulberry32), so two runs build the same population. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEAMS = ['orders', 'payments', 'fraud', 'search', 'ads', 'logistics', 'inventory', 'pricing', 'risk', 'growth'];

/** The job name of position `i`: `<team>-<stage>-<i>`, like real pipelines. */
export function jobName(i: number): string {
  const team = TEAMS[i % TEAMS.length] ?? 'team';
  return `${team}-${['enrich', 'aggregate', 'join', 'sink'][i % 4] ?? 'job'}-${String(i).padStart(5, '0')}`;
}

const perJob = (id: string) => ({
  config: `/jobs/${id}/checkpoints/config`,
  stats: `/jobs/${id}/checkpoints`,
  metrics: `/jobs/${id}/metrics?get=${JOB_METRIC_IDS.join(',')}`,
});

/**
 * Adds N job names: 80% RUNNING with checkpointing (a few without retained checkpoints), 5% RUNNING without
 * checkpointing, 5% a FAILED instance kept beside its RUNNING successor, 5% FINISHED, 5% CANCELED.
 */
export function populate(sim: FlinkSimulator, n: number, seed = 42): MixSummary {
  const random = rng(seed + n);
  const now = Date.now();
  const steadyPaths: string[] = [];
  const coldPaths: string[] = [];
  const naivePaths: string[] = [];
  let instances = 0;
  let running = 0;
  let failedBeside = 0;
  let terminal = 0;
  let off = 0;
  let previous = 2;
  const checkpointing: string[] = [];
  const checkpoint = (id: string) => {
    const k = 1 + Math.floor(random() * 4);
    for (let c = 0; c < k; c += 1) {
      sim.completeCheckpoint(id, {
        sizeBytes: Math.floor(1e5 + random() * 5e8),
        durationMs: Math.floor(50 + random() * 5000),
      });
    }
    if (random() < 0.1) sim.failCheckpoint(id);
  };
  const listed = (id: string) => {
    instances += 1;
    const p = perJob(id);
    naivePaths.push(p.config, p.stats, p.metrics);
  };
  for (let i = 0; i < n; i += 1) {
    const name = jobName(i);
    const slot = i % 20;
    const startTime = now - Math.floor(random() * 30 * 86_400_000) - 86_400_000;
    const restarts = random() < 0.2 ? Math.floor(random() * 5) : 0;
    if (slot === 0) {
      // A FAILED instance kept in the job store beside its resubmitted successor.
      const old = sim.addJob({ name, state: 'RUNNING', startTime: startTime - 3_600_000, restarts: 3 });
      checkpoint(old);
      sim.fail(old);
      listed(old);
      const id = sim.addJob({ name, startTime, restarts });
      checkpoint(id);
      checkpointing.push(id);
      listed(id);
      const p = perJob(id);
      coldPaths.push(p.config, p.stats, p.metrics);
      steadyPaths.push(p.metrics);
      previous += 2;
      failedBeside += 1;
      running += 1;
      continue;
    }
    if (slot === 1 || slot === 2) {
      const id = sim.addJob({ name, state: 'RUNNING', startTime, restarts });
      checkpoint(id);
      if (slot === 1) sim.finish(id);
      else sim.cancel(id);
      listed(id);
      const p = perJob(id);
      coldPaths.push(p.config, p.stats, p.metrics);
      terminal += 1;
      continue;
    }
    if (slot === 3) {
      const id = sim.addJob({ name, startTime, restarts, checkpointing: false });
      listed(id);
      const p = perJob(id);
      coldPaths.push(p.config, p.stats, p.metrics);
      steadyPaths.push(p.metrics);
      previous += 1;
      off += 1;
      running += 1;
      continue;
    }
    const retention =
      slot === 4 ? 'NO_EXTERNALIZED_CHECKPOINTS' : slot === 5 ? 'DELETE_ON_CANCELLATION' : 'RETAIN_ON_CANCELLATION';
    const id = sim.addJob({ name, startTime, restarts, parallelism: 1 + (i % 4), checkpointing: { retention } });
    checkpoint(id);
    if (random() < 0.05) sim.setCheckpointsInProgress(id, 1);
    checkpointing.push(id);
    listed(id);
    const p = perJob(id);
    coldPaths.push(p.config, p.stats, p.metrics);
    steadyPaths.push(p.metrics);
    previous += 2;
    running += 1;
  }
  return {
    names: n,
    instances,
    running,
    failedBesideSuccessor: failedBeside,
    terminal,
    checkpointingOff: off,
    checkpointing,
    steadyPaths,
    previousSteadyCalls: previous,
    coldPaths,
    naivePaths,
  };
}

/**
 * A busy cluster between two scrapes: one in `every` of the jobs in `checkpointing` (a different one at each
 * `round`) completes a checkpoint. Returns the paths the next scrape needs beyond the steady ones: the checkpoint
 * statistics of each job whose completed count moved.
 */
export function advance(sim: FlinkSimulator, checkpointing: readonly string[], every: number, round: number): string[] {
  const moved: string[] = [];
  for (let i = round % every; i < checkpointing.length; i += every) {
    const id = checkpointing[i] as string;
    sim.completeCheckpoint(id, { sizeBytes: 1e5 + ((i * 7919 + round) % 5e8), durationMs: 50 + ((i + round) % 5000) });
    moved.push(perJob(id).stats);
  }
  return moved;
}
