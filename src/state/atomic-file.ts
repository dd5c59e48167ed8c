/**
 * Crash-safe JSON files: write to a temporary file beside the target, fdatasync it, rename over the target,
 * fsync the directory. A `kill -9` at any moment leaves either the old file or the new one, never a torn one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { errorMessage, formatIssue, StateError, zodIssues } from '../errors.js';

/** The temporary file of one write of `file`: hidden, beside it, unique to the process and the write. */
function tempOf(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** A name `tempOf` makes, of a write of the file named `of` (any file when undefined). */
function isTempName(name: string, of?: string): boolean {
  const match = /^\.(.+)\.\d+\.[0-9a-f]{8}\.tmp$/.exec(name);
  return match !== null && (of === undefined || match[1] === of);
}

/**
 * Removes the temporary files that writes killed before their rename left in `dir` (of `of` only, when given);
 * resolves with their paths. To be called at start, before this process writes there.
 */
export async function removeLeftoverTemps(dir: string, of?: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new StateError('STATE_UNREADABLE', dir, `cannot list: ${errorMessage(err)}`, { cause: err });
  }
  const removed: string[] = [];
  for (const name of names.filter((n) => isTempName(n, of))) {
    const path = join(dir, name);
    try {
      await rm(path, { force: true });
    } catch (err) {
      const message = `cannot remove a leftover temporary file: ${errorMessage(err)}`;
      throw new StateError('STATE_WRITE_FAILED', path, message, { cause: err });
    }
    removed.push(path);
  }
  return removed;
}

/**
 * Moves a state file (or whatever stands in its place) aside to `<file>.corrupt-<ms>`, so that starting without
 * it never destroys what a person may need to understand what happened; resolves with the new path, or
 * undefined when nothing was there.
 */
export async function moveAside(file: string): Promise<string | undefined> {
  const aside = `${file}.corrupt-${Date.now()}`;
  try {
    await rename(file, aside);
    return aside;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateError('STATE_WRITE_FAILED', file, `cannot move the unreadable file aside: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** The text of a JSON state file: indented for the person who opens it. */
export function jsonFileText(data: unknown): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** Writes `data` as JSON to `file` atomically and durably. */
export function writeJsonAtomic(file: string, data: unknown): Promise<void> {
  return writeTextAtomic(file, jsonFileText(data));
}

/**
 * Writes (`w`) or appends (`a`) `text` and waits for the disk to hold it. fdatasync is enough: it also flushes a
 * grown size, the only metadata a reader needs.
 */
export async function writeDurably(file: string, flags: 'w' | 'a', text: string): Promise<void> {
  const handle = await open(file, flags, 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Syncs a directory, so a file just created or renamed in it survives a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `text` to `file` atomically and durably. */
export async function writeTextAtomic(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  const tmp = tempOf(file);
  try {
    await mkdir(dir, { recursive: true });
    await writeDurably(tmp, 'w', text);
    await rename(tmp, file);
    await syncDirectory(dir);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new StateError('STATE_WRITE_FAILED', file, `cannot write: ${errorMessage(err)}`, { cause: err });
  }
}

export type JsonReadResult<T> =
  | { readonly kind: 'absent' }
  /** `bytes`: the file's size, what writing it again costs. */
  | { readonly kind: 'ok'; readonly value: T; readonly bytes: number }
  | { readonly kind: 'corrupt'; readonly error: StateError };

/** The text of a state file: `absent` when there is none, `corrupt` when it cannot be read. */
export async function readStateText(
  file: string,
): Promise<
  | { readonly kind: 'absent' }
  | { readonly kind: 'ok'; readonly text: string }
  | { readonly kind: 'corrupt'; readonly error: StateError }
> {
  try {
    return { kind: 'ok', text: await readFile(file, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return {
      kind: 'corrupt',
      error: new StateError('STATE_UNREADABLE', file, `cannot read: ${errorMessage(err)}`, { cause: err }),
    };
  }
}

/**
 * Parses and validates JSON text of the state file `file` (`where` in it, for one line of a journal); the error
 * names the file, the place and what is wrong.
 */
export function parseStateText<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
  where = '',
): { readonly ok: true; readonly value: z.output<S> } | { readonly ok: false; readonly error: StateError } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const error = new StateError('STATE_CORRUPT', file, `${where}not valid JSON: ${errorMessage(err)}`, { cause: err });
    return { ok: false, error };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const first = zodIssues(parsed.error)[0];
  const at = first === undefined ? 'invalid' : formatIssue(first);
  const error = new StateError('STATE_CORRUPT', file, `${where}does not match the state schema at ${at}`, {
    cause: parsed.error,
  });
  return { ok: false, error };
}

/** Reads and validates a JSON state file; a missing file is `absent`, a bad one `corrupt` with a message naming it. */
export async function readJsonFile<S extends z.ZodType>(file: string, schema: S): Promise<JsonReadResult<z.output<S>>> {
  const read = await readStateText(file);
  if (read.kind !== 'ok') return read;
  const parsed = parseStateText(file, read.text, schema);
  if (!parsed.ok) return { kind: 'corrupt', error: parsed.error };
  return { kind: 'ok', value: parsed.value, bytes: Buffer.byteLength(read.text) };
}
