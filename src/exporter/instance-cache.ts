/**
 * What the exporter need not ask Flink again, per cluster: an instance's checkpoint config never changes, and
 * a terminal instance's checkpoint statistics and restart count never change either. Entries live until the
 * instance leaves /jobs/overview (Flink's job store expiry).
 */
import type { CheckpointConfig } from '../flink/types.js';
import type { JobDetails } from './snapshot.js';

export class InstanceCache {
  /** null: checkpointing disabled (Flink answered 404). */
  private readonly configs = new Map<string, CheckpointConfig | null>();
  private readonly terminal = new Map<string, JobDetails>();

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
  }

  /** Entries held (for tests). */
  get size(): number {
    return new Set([...this.configs.keys(), ...this.terminal.keys()]).size;
  }
}
