/**
 * The closed sets of the recoverer. Each value is at once a log field and a metric label value, so dashboards,
 * alert rules and the audit trail speak the same words; adding one is a contract change for the metric.
 */

/** Why an alert led to no action (`flink_recovery_skipped_total{reason}`). */
export const SKIP_REASONS = [
  'resolved', // the alert's own status is resolved
  'missing_labels', // no cluster or job_name label
  'not_auto', // flink_recovery is not "auto"
  'unknown_cluster', // the cluster label names no configured cluster
  'no_job_spec', // the job is not in the `jobs` catalog: we do not know how to resubmit it
  'in_progress', // an episode is open and an attempt is being made or verified
  'cooldown', // an episode is open and waits for its next attempt
  'exhausted', // the episode spent its attempts; a person must act or reset it
  'instance_active', // an instance of that name is alive: Flink restarts it, or someone resubmitted it
  'not_failed', // the current instance is CANCELED, FINISHED or SUSPENDED: never resubmitted
  'stopped_on_purpose', // no instance left and the last one seen was CANCELED or FINISHED
  'flink_unreachable', // Flink could not be asked, and the alert's word alone is not enough
  'dry_run', // recovery.dryRun: logged what would be done instead
  'no_restore_point', // onNoCheckpoint is skip and no restore point exists
  'paused', // an operator paused the job's recovery through the API
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Skip reasons an alert about a catalog job can never carry: they are about alerts that name no catalog job. */
const NOT_FOR_CATALOG_JOBS: ReadonlySet<SkipReason> = new Set(['missing_labels', 'unknown_cluster', 'no_job_spec']);

/** The skip reasons pre-created at 0 for every catalog job. */
export const CATALOG_SKIP_REASONS: readonly SkipReason[] = SKIP_REASONS.filter((r) => !NOT_FOR_CATALOG_JOBS.has(r));

/** Why one resubmission failed (log field `reason` of a failed attempt). */
export const ATTEMPT_FAILURES = [
  'restore_refused', // Flink answered 400 to a run with a savepointPath: the next source is tried next time
  'submit_failed', // Flink refused the run without a restore point, or the submission never got through
  'verify_timeout', // the new instance did not reach RUNNING within verifyTimeout
  'instance_failed', // the new instance failed (or vanished) instead of running steadily
  'jar_unavailable', // the jar is neither on the cluster nor uploadable from its configured path
  'flink_unreachable', // the cluster did not answer while submitting
  'restore_unverified', // the new instance runs, but Flink's latest.restored is not the restore point submitted
] as const;
export type AttemptFailure = (typeof ATTEMPT_FAILURES)[number];

/** Where a resubmission restores from (`flink_recovery_attempts_total{restore_from}`). */
export const RESTORE_FROM = ['checkpoint', 'savepoint', 'remembered', 'scan', 'none'] as const;
export type RestoreFrom = (typeof RESTORE_FROM)[number];

/** How an episode ended (`flink_recovery_episodes_total{outcome}`). */
export const OUTCOMES = ['recovered', 'exhausted', 'abandoned'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Why an episode ended exhausted (log field `reason` of the ending, and the outcome notice's `reason`): the
 * attempts are spent, the job has no spec, nothing to restore (onNoCheckpoint skip), its state is lost (it had
 * checkpoints and none is usable), its root cause matches the notRetryable policy, or the running successor did
 * not restore from the chosen restore point.
 */
export const EXHAUST_REASONS = [
  'max_attempts',
  'no_job_spec',
  'no_restore_point',
  'state_lost',
  'not_retryable',
  // The resubmitted instance runs from other state than chosen: a person judges it (never a second instance).
  'restore_unverified',
] as const;
export type ExhaustReason = (typeof EXHAUST_REASONS)[number];

/** Why an episode was abandoned: a person or another tool took the job over. */
export const ABANDON_REASONS = ['canceled', 'finished', 'superseded'] as const;
export type AbandonReason = (typeof ABANDON_REASONS)[number];

/** Why an exhausted episode stopped blocking automation (no metric: the episode already ended as exhausted). */
export const CLEAR_REASONS = ['ran_again', 'reset', 'superseded'] as const;
export type ClearReason = (typeof CLEAR_REASONS)[number];

/** Why a tick of an episode did nothing yet (log field only). */
export const WAIT_REASONS = [
  'cooldown',
  'verifying',
  'stabilizing',
  'restarting',
  'instance_active',
  'flink_unreachable',
  'exhausted',
  'paused',
] as const;
export type WaitReason = (typeof WAIT_REASONS)[number];

/** What triggered an episode: a FAILED current instance, or a catalog job with no instance at all. */
export const TRIGGERS = ['failed', 'missing'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/**
 * Where an episode's failure moment came from: the failed instance's end-time, the last scrape that saw a
 * vanished job, the alert's startsAt minus the rule's `for:`, or the episode's opening when nothing better was known.
 */
export const FAILURE_TIME_SOURCES = ['end_time', 'last_seen', 'alert', 'episode_open'] as const;
export type FailureTimeSource = (typeof FAILURE_TIME_SOURCES)[number];

/** Result label of `flink_recovery_attempts_total`. */
export const ATTEMPT_RESULTS = ['succeeded', 'failed'] as const;
export type AttemptResult = (typeof ATTEMPT_RESULTS)[number];
