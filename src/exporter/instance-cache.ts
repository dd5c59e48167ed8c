/**
 * What the exporter need not ask Flink again, per cluster: an instance's checkpoint config never changes, a
 * terminal instance's checkpoint statistics and restart count never change either, and a running instance's
 * latest checkpoint stays the same until its completed count moves. Entries live until the instance leaves
 * /jobs/overview (Flink's job store expiry).
 */
import type { CheckpointConfig } from '../flink/types.js';
import type { CachedStats } from './checkpoint-refresh.js';
import type { JobDetails } from './snapshot.js';

export class InstanceCache {
  /** null: checkpointing disabled (Flink answered 404). */
  private readonly configs = new Map<string, CheckpointConfig | null>();
  private readonly terminal = new Map<string, JobDetails>();
  private readonly checkpointStats = new Map<string, CachedStats>();

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
  }

  /** Entries held (for tests). */
  get size(): number {
    return new Set([...this.configs.keys(), ...this.terminal.keys(), ...this.checkpointStats.keys()]).size;
  }
}
