/** Sending one attempt to Flink: the run request, and what Flink's answer means for the attempt. */
import type { JobSpec, RecoveryConfig } from '../../config/schema.js';
import type { FlinkApi } from '../../flink/api.js';
import type { RunJarRequest } from '../../flink/types.js';
import { ensureJar, failureOf, type JarListing } from './jar.js';
import type { AttemptFailure } from '../model/reasons.js';

export type SubmitOutcome =
  /** Flink took the run, or already knew this JobID from an earlier try of the same attempt. */
  | { readonly kind: 'accepted'; readonly duplicate: boolean; readonly jarUploaded: boolean }
  /** Flink answered and said no, or the jar could not be had: the attempt failed. */
  | { readonly kind: 'failed'; readonly reason: AttemptFailure; readonly detail: string }
  /** No answer: the run may or may not have landed; reconciliation decides from /jobs/overview. */
  | { readonly kind: 'unknown'; readonly detail: string };

/** The `/jars/:jarid/run` request of an attempt. */
export function buildRunRequest(
  spec: JobSpec,
  recovery: RecoveryConfig,
  jobId: string,
  restorePath: string | undefined,
): RunJarRequest {
  return {
    ...(spec.entryClass === undefined ? {} : { entryClass: spec.entryClass }),
    args: spec.args,
    ...(spec.parallelism === undefined ? {} : { parallelism: spec.parallelism }),
    jobId,
    ...(restorePath === undefined ? {} : { savepointPath: restorePath }),
    allowNonRestoredState: spec.allowNonRestoredState ?? recovery.allowNonRestoredState,
    claimMode: spec.claimMode ?? recovery.claimMode,
    ...(spec.flinkConfiguration === undefined ? {} : { flinkConfiguration: spec.flinkConfiguration }),
  };
}

/** True when Flink's refusal says the JobID is already known: an earlier try of this attempt landed. */
export function isDuplicateSubmission(errors: readonly string[]): boolean {
  return errors.some((e) => /DuplicateJobSubmission|already been submitted/i.test(e));
}

/**
 * Finds (or uploads) the jar, from `listing` when it was read ahead, and runs it with the attempt's deterministic
 * JobID.
 */
export async function submitAttempt(
  api: FlinkApi,
  spec: JobSpec,
  recovery: RecoveryConfig,
  attempt: { readonly jobId: string; readonly restorePath: string | undefined },
  listing?: Promise<JarListing>,
): Promise<SubmitOutcome> {
  const jar = await ensureJar(api, spec.jar, listing);
  if (!jar.ok) return { kind: 'failed', reason: jar.reason, detail: jar.detail };
  let result;
  try {
    result = await api.runJar(jar.jarId, buildRunRequest(spec, recovery, attempt.jobId, attempt.restorePath));
  } catch (err) {
    return { kind: 'unknown', detail: failureOf(err, 'flink_unreachable').detail };
  }
  if (result.ok) return { kind: 'accepted', duplicate: false, jarUploaded: jar.uploaded };
  if (isDuplicateSubmission(result.errors)) return { kind: 'accepted', duplicate: true, jarUploaded: jar.uploaded };
  const detail = `HTTP ${result.status}: ${result.errors.join('; ')}`;
  // Flink cannot tell us which part it disliked; with a restore path, the contract treats it as refused.
  if (attempt.restorePath !== undefined && result.status >= 400 && result.status < 500) {
    return { kind: 'failed', reason: 'restore_refused', detail };
  }
  return { kind: 'failed', reason: 'submit_failed', detail };
}
