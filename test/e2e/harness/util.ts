import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const handedOut = new Set<number>();

/** A TCP port on 127.0.0.1 that was free a moment ago; never the same port twice in one process. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i += 1) {
    const port = await new Promise<number>((resolvePort, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const p = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => resolvePort(p));
      });
    });
    if (port > 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('freePort: no free port found');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface WaitForOptions {
  /** Time between polls (default 250 ms). */
  readonly intervalMs?: number;
  /** Says what is awaited, for the timeout error. */
  readonly what?: string;
}

/**
 * Polls `predicate` until it returns a value other than undefined, null or false, and returns that value.
 * A predicate that throws counts as "not yet"; the last error is reported when the time is up.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  timeoutMs: number,
  options: WaitForOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  const interval = options.intervalMs ?? 250;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== undefined && value !== null && value !== false) {
        return value as Exclude<T, undefined | null | false>;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`waitFor: timed out after ${timeoutMs} ms waiting for ${options.what ?? 'condition'}${detail}`, {
        cause: lastError,
      });
    }
    await sleep(interval);
  }
}

/** The repository root: the nearest folder upwards from this file whose package.json names flink-guardian. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'flink-job', 'pom.xml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve('.');
    dir = parent;
  }
}

/** Milliseconds since `start` (from performance.now()), rounded, for timing reports. */
export function elapsed(start: number): number {
  return Math.round(performance.now() - start);
}
