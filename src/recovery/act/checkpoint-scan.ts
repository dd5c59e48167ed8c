/**
 * The last-resort restore point: the newest `chk-N/_metadata` under `<checkpointDir>/<jobid>/`. Only local
 * (or locally mounted) directories can be read; s3://, hdfs:// and friends are skipped, not guessed at.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { localPathOf } from '../model/restore-path.js';

const CHK = /^chk-(\d+)$/;

/** The highest N among `chk-N` names that have a `_metadata` file (an incomplete checkpoint has none). */
export function highestCheckpoint(
  entries: readonly { readonly name: string; readonly complete: boolean }[],
): number | undefined {
  let best: number | undefined;
  for (const e of entries) {
    const m = CHK.exec(e.name);
    if (m === null || !e.complete) continue;
    const n = Number(m[1]);
    if (best === undefined || n > best) best = n;
  }
  return best;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Scans `<dir>/<jobId>/` for each JobID in order and returns the newest complete checkpoint of the first one
 * that has any, as a path in the directory's own notation (so `file:` URIs stay URIs for Flink).
 */
export async function scanCheckpoints(dir: string, jobIds: readonly string[]): Promise<string | undefined> {
  const local = localPathOf(dir);
  if (local === undefined) return undefined;
  for (const jobId of jobIds) {
    let names: string[];
    try {
      names = await readdir(join(local, jobId));
    } catch {
      continue; // unreadable or absent: this source does not exist for this JobID
    }
    const entries = await Promise.all(
      names
        .filter((n) => CHK.test(n))
        .map(async (name) => ({ name, complete: await isFile(join(local, jobId, name, '_metadata')) })),
    );
    const n = highestCheckpoint(entries);
    if (n !== undefined) return `${dir.replace(/\/+$/, '')}/${jobId}/chk-${n}`;
  }
  return undefined;
}
