/**
 * The `POST /jars/:jarid/run` body in the dialect of the cluster's Flink version. Flink parses request bodies
 * strictly (an unknown field is a 400), so each version gets only the fields it knows: `claimMode` from 1.20
 * on, `restoreMode` before; `programArgsList` always (2.0 removed the single-string `programArgs`).
 */
import type { RunJarRequest } from './types.js';

export interface FlinkVersion {
  readonly major: number;
  readonly minor: number;
}

/** `1.20.1`, `2.1-SNAPSHOT` → {major, minor}; undefined when unrecognisable. */
export function parseFlinkVersion(text: string): FlinkVersion | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text.trim());
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** True for versions that take `claimMode` (1.20 and later); an unknown version is taken as current. */
export function takesClaimMode(version: string | undefined): boolean {
  const v = version === undefined ? undefined : parseFlinkVersion(version);
  if (v === undefined) return true;
  return v.major > 1 || (v.major === 1 && v.minor >= 20);
}

/** Builds the JSON body of a run request for `version`. */
export function runBody(req: RunJarRequest, version: string | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {
    programArgsList: [...req.args],
    jobId: req.jobId,
    allowNonRestoredState: req.allowNonRestoredState,
  };
  if (req.entryClass !== undefined) body.entryClass = req.entryClass;
  if (req.parallelism !== undefined) body.parallelism = req.parallelism;
  if (req.savepointPath !== undefined) body.savepointPath = req.savepointPath;
  if (req.flinkConfiguration !== undefined) body.flinkConfiguration = { ...req.flinkConfiguration };
  if (takesClaimMode(version)) body.claimMode = req.claimMode;
  else body.restoreMode = req.claimMode;
  return body;
}
