/**
 * Crash-safe JSON files: write to a temporary file beside the target, fsync it, rename over the target, fsync
 * the directory. A `kill -9` at any moment leaves either the old file or the new one, never a torn one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { errorMessage, formatIssue, StateError, zodIssues } from '../errors.js';

/** Writes `data` as JSON to `file` atomically and durably. */
export async function writeJsonAtomic(file: string, data: unknown): Promise<void> {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new StateError('STATE_WRITE_FAILED', file, `cannot write: ${errorMessage(err)}`, { cause: err });
  }
}

export type JsonReadResult<T> =
  | { readonly kind: 'absent' }
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'corrupt'; readonly error: StateError };

/** Reads and validates a JSON state file; a missing file is `absent`, a bad one `corrupt` with a message naming it. */
export async function readJsonFile<S extends z.ZodType>(file: string, schema: S): Promise<JsonReadResult<z.output<S>>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return {
      kind: 'corrupt',
      error: new StateError('STATE_UNREADABLE', file, `cannot read: ${errorMessage(err)}`, { cause: err }),
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      kind: 'corrupt',
      error: new StateError('STATE_CORRUPT', file, `not valid JSON: ${errorMessage(err)}`, { cause: err }),
    };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = zodIssues(parsed.error)[0];
    const where = first === undefined ? 'invalid' : formatIssue(first);
    return {
      kind: 'corrupt',
      error: new StateError('STATE_CORRUPT', file, `does not match the state schema at ${where}`, {
        cause: parsed.error,
      }),
    };
  }
  return { kind: 'ok', value: parsed.data };
}
