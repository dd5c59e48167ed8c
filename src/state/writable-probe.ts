/**
 * Whether stateDir takes writes, for /readyz: a replica that cannot record an intent before it acts must not
 * be the one Alertmanager is sent to. A probe writes, syncs and removes one small file (an fsync is what a full
 * or failing disk refuses); its answer is reused for `maxAgeMs`, one probe runs at a time, and a probe that has
 * not finished after `timeoutMs` (a hung network file system) answers "not writable".
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { writeDurably } from './atomic-file.js';

/** One fixed name: a probe killed midway leaves one file, which the next probe reuses and removes. */
export const PROBE_FILE = '.writable-probe';

export interface WritableProbeOptions {
  readonly clock: Clock;
  readonly logger?: Logger;
  /** How long an answer is reused; default 5 s. */
  readonly maxAgeMs?: number;
  /** Longest wait for one probe; default 2 s. */
  readonly timeoutMs?: number;
  /** The write that is tried; the real one by default (tests replace it to hang). */
  readonly attempt?: (dir: string) => Promise<void>;
}

async function writeAndRemove(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, PROBE_FILE);
  await writeDurably(file, 'w', 'probe\n');
  await rm(file);
}

export class WritableProbe {
  private last: { readonly at: number; readonly ok: boolean } | undefined;
  private running: Promise<boolean> | undefined;
  private readonly maxAgeMs: number;
  private readonly timeoutMs: number;
  private readonly attempt: (dir: string) => Promise<void>;

  constructor(
    private readonly dir: string,
    private readonly options: WritableProbeOptions,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 5000;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.attempt = options.attempt ?? writeAndRemove;
  }

  /** True when the latest probe (at most `maxAgeMs` old, else a new one) could write. */
  async writable(): Promise<boolean> {
    const last = this.last;
    if (last !== undefined && this.options.clock.now() - last.at < this.maxAgeMs) return last.ok;
    this.running ??= this.probe().finally(() => {
      this.running = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    try {
      return await Promise.race([this.running, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async probe(): Promise<boolean> {
    let error: string | undefined;
    try {
      await this.attempt(this.dir);
    } catch (err) {
      error = errorMessage(err);
    }
    const ok = error === undefined;
    if (ok !== (this.last?.ok ?? true)) {
      if (ok) this.options.logger?.info({ dir: this.dir }, 'state directory writable again; ready');
      else this.options.logger?.error({ dir: this.dir, err: error }, 'state directory not writable; not ready');
    }
    this.last = { at: this.options.clock.now(), ok };
    return ok;
  }
}
