/**
 * An append-only file of JSON lines beside a state file written whole (`atomic-file.ts`): what changed since that
 * file was written, so a small change costs its own size on disk, not the whole state's. Each append is one
 * write followed by an fsync, so a crash leaves at most the last line torn; a torn last line was never
 * acknowledged and is dropped when read. The first line names the write of the whole file the journal follows,
 * so a journal left behind by a crash after the next whole write is recognised as already included.
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { errorMessage, StateError } from '../errors.js';
import { parseStateText, readStateText, syncDirectory, writeDurably } from './atomic-file.js';

const headerSchema = z.object({ journal: z.literal(1), after: z.string().min(1) });

export type JournalRead<T> =
  | { readonly kind: 'absent' }
  /** `after`: the id of the whole file's write the entries follow; `torn`: a last line cut short was dropped. */
  | { readonly kind: 'ok'; readonly after: string; readonly entries: readonly T[]; readonly torn: boolean }
  | { readonly kind: 'corrupt'; readonly error: StateError };

/** Reads and validates a journal; a missing one, or one whose only line is torn, is `absent`. */
export async function readJournal<S extends z.ZodType>(file: string, schema: S): Promise<JournalRead<z.output<S>>> {
  const read = await readStateText(file);
  if (read.kind !== 'ok') return read;
  const lines = read.text.split('\n');
  // Whatever follows the last newline was cut short by a crash (or is empty).
  const torn = (lines.pop() ?? '') !== '';
  const [first, ...rest] = lines;
  if (first === undefined) return { kind: 'absent' };
  const header = parseStateText(file, first, headerSchema, 'line 1: ');
  if (!header.ok) return { kind: 'corrupt', error: header.error };
  const entries: z.output<S>[] = [];
  for (const [i, line] of rest.entries()) {
    const entry = parseStateText(file, line, schema, `line ${i + 2}: `);
    if (!entry.ok) return { kind: 'corrupt', error: entry.error };
    entries.push(entry.value);
  }
  return { kind: 'ok', after: header.value.after, entries, torn };
}

function lines(values: readonly unknown[]): string {
  let text = '';
  for (const value of values) text += `${JSON.stringify(value)}\n`;
  return text;
}

/**
 * Starts the journal that follows the whole file's write `after`, with its first entries, replacing any
 * journal there; resolves with its size in bytes. The directory is synced so the new file survives a crash.
 */
export async function startJournal(file: string, after: string, entries: readonly unknown[]): Promise<number> {
  const text = lines([{ journal: 1, after }, ...entries]);
  try {
    await writeDurably(file, 'w', text);
    await syncDirectory(dirname(file));
  } catch (err) {
    throw new StateError('STATE_WRITE_FAILED', file, `cannot write: ${errorMessage(err)}`, { cause: err });
  }
  return Buffer.byteLength(text);
}

/** Appends entries to a journal `startJournal` began; resolves with the bytes added. */
export async function appendJournal(file: string, entries: readonly unknown[]): Promise<number> {
  const text = lines(entries);
  try {
    await writeDurably(file, 'a', text);
  } catch (err) {
    throw new StateError('STATE_WRITE_FAILED', file, `cannot append: ${errorMessage(err)}`, { cause: err });
  }
  return Buffer.byteLength(text);
}

/** Removes a journal the whole file now includes; a journal left by a failure here is recognised by its header. */
export async function removeJournal(file: string): Promise<void> {
  await rm(file, { force: true }).catch(() => undefined);
}
