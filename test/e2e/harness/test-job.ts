import { readFileSync, readdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/** Main class of test/flink-job (also the jar's manifest Main-Class). */
export const TEST_JOB_ENTRY_CLASS = 'dev.flinkguardian.testjob.CounterJob';

export interface TestJobArgs {
  /** Job name (`--name`). */
  readonly name: string;
  /** Folder the counters are written to (`--out`); one per job lineage. */
  readonly outDir: string;
  /** Failure switch file (`--fail-marker`); see {@link setFailMarker}. */
  readonly failMarker?: string;
  /** Number of keys (default 4). */
  readonly keys?: number;
  /** Records per second over all source subtasks (default 20). */
  readonly rate?: number;
  /** Checkpoint interval in ms (default 1000). */
  readonly checkpointIntervalMs?: number;
}

/** `programArgsList` for POST /jars/:jarid/run. */
export function testJobArgs(args: TestJobArgs): string[] {
  const list = ['--name', args.name, '--out', args.outDir];
  if (args.failMarker !== undefined) list.push('--fail-marker', args.failMarker);
  if (args.keys !== undefined) list.push('--keys', String(args.keys));
  if (args.rate !== undefined) list.push('--rate', String(args.rate));
  if (args.checkpointIntervalMs !== undefined) list.push('--checkpoint-interval', String(args.checkpointIntervalMs));
  return list;
}

/**
 * Flips the failure switch: `once` fails one record (one failure, absorbed by a restart strategy with attempts
 * left); `always` fails every record (the job ends FAILED once attempts are used up, and again after every
 * resubmission); a number n fails n times, then stops: n = restart attempts + 1 makes the job end FAILED and run
 * cleanly when resubmitted. Written atomically; every counter subtask reads it on every record, one of them consumes
 * once and n.
 */
export function setFailMarker(file: string, mode: 'once' | 'always' | number): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${mode}\n`);
  renameSync(tmp, file);
}

export interface SubtaskState {
  readonly jobId: string;
  readonly jobName: string;
  readonly subtask: number;
  readonly attempt: number;
  readonly restoredCheckpointId: number | null;
  readonly restoredCounts: Readonly<Record<string, number>>;
  readonly counts: Readonly<Record<string, number>>;
  readonly records: number;
  readonly updatedAt: number;
}

export interface CounterState {
  readonly subtasks: readonly SubtaskState[];
  /** Latest counter per key over all subtasks. */
  readonly counts: Readonly<Record<string, number>>;
  /** Per key, the value found in state when the key was first seen by the current attempt (0 on a fresh start). */
  readonly restoredCounts: Readonly<Record<string, number>>;
  /** Sum of all counters. */
  readonly total: number;
}

function merge(maps: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) Object.assign(out, m);
  return out;
}

/** Reads the counter files the test job writes (`<outDir>/state-<subtask>.json`); undefined if there are none yet. */
export function readCounterState(outDir: string): CounterState | undefined {
  let files: string[];
  try {
    files = readdirSync(outDir).filter((f) => /^state-\d+\.json$/.test(f));
  } catch {
    return undefined;
  }
  if (files.length === 0) return undefined;
  const subtasks = files
    .map((f) => JSON.parse(readFileSync(join(outDir, f), 'utf8')) as SubtaskState)
    .sort((a, b) => a.subtask - b.subtask);
  const counts = merge(subtasks.map((s) => s.counts));
  return {
    subtasks,
    counts,
    restoredCounts: merge(subtasks.map((s) => s.restoredCounts)),
    total: Object.values(counts).reduce((a, b) => a + b, 0),
  };
}

/**
 * The counters as they were in checkpoint `checkpointId` of the job, merged over subtasks
 * (`<outDir>/snapshots/chk-<id>-<subtask>.json`); undefined when the job wrote none for that id.
 * The job keeps the last 30 per subtask.
 */
export function readCheckpointCounts(outDir: string, checkpointId: number): Record<string, number> | undefined {
  const dir = join(outDir, 'snapshots');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.startsWith(`chk-${checkpointId}-`) && f.endsWith('.json'));
  } catch {
    return undefined;
  }
  if (files.length === 0) return undefined;
  return merge(
    files.map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { counts: Record<string, number> }).counts),
  );
}

/** The checkpoint id in a `.../chk-N` or `.../chk-N/_metadata` path. */
export function checkpointIdOf(path: string): number {
  const match = /chk-(\d+)(?:\/_metadata)?\/?$/.exec(path);
  if (match?.[1] === undefined) throw new Error(`not a checkpoint path: ${path}`);
  return Number.parseInt(match[1], 10);
}
