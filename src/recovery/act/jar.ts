/** Finding the job's jar on the cluster by file name, and uploading it when a restarted JobManager forgot it. */
import { basename } from 'node:path';
import { FlinkError, GuardianError } from '../../errors.js';
import type { FlinkApi } from '../../flink/api.js';
import type { JarInfo } from '../../flink/types.js';
import type { AttemptFailure } from '../model/reasons.js';

export type JarResult =
  | { readonly ok: true; readonly jarId: string; readonly uploaded: boolean }
  | { readonly ok: false; readonly reason: AttemptFailure; readonly detail: string };

/** Maps what the client threw to an attempt failure: Flink not answering vs the jar not being available. */
export function failureOf(err: unknown, fallback: AttemptFailure): { reason: AttemptFailure; detail: string } {
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof FlinkError) {
    return { reason: err.code === 'FLINK_HTTP_STATUS' ? fallback : 'flink_unreachable', detail };
  }
  if (err instanceof GuardianError && err.code === 'JAR_UNAVAILABLE') return { reason: 'jar_unavailable', detail };
  return { reason: fallback, detail };
}

export type JarListing =
  | { readonly ok: true; readonly jars: readonly JarInfo[] }
  | { readonly ok: false; readonly reason: AttemptFailure; readonly detail: string };

/** The cluster's uploaded jars; never rejects, so it can be read ahead of the run while the intent is written. */
export async function listJars(api: FlinkApi): Promise<JarListing> {
  try {
    return { ok: true, jars: await api.listJars() };
  } catch (err) {
    return { ok: false, ...failureOf(err, 'flink_unreachable') };
  }
}

/**
 * The id of the newest uploaded jar named like `jarPath`, uploading the file when the cluster has none.
 * `listing` is a listing read ahead (reading is free of side effects; an upload happens only from here).
 */
export async function ensureJar(
  api: FlinkApi,
  jarPath: string,
  listing: Promise<JarListing> = listJars(api),
): Promise<JarResult> {
  const name = basename(jarPath);
  const listed = await listing;
  if (!listed.ok) return listed;
  const newest = listed.jars.filter((j) => j.name === name).sort((a, b) => b.uploadedAt - a.uploadedAt)[0];
  if (newest !== undefined) return { ok: true, jarId: newest.id, uploaded: false };
  try {
    const jar = await api.uploadJar(jarPath);
    return { ok: true, jarId: jar.id, uploaded: true };
  } catch (err) {
    return { ok: false, ...failureOf(err, 'jar_unavailable') };
  }
}
