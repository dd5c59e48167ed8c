/** Flink's job states, and which of them end a job. */

/** All eleven Flink job states, in the order `flink_job_state` lists them. */
export const JOB_STATES = [
  'INITIALIZING',
  'CREATED',
  'RUNNING',
  'FAILING',
  'FAILED',
  'CANCELLING',
  'CANCELED',
  'FINISHED',
  'RESTARTING',
  'SUSPENDED',
  'RECONCILING',
] as const;

export type JobState = (typeof JOB_STATES)[number];

/** Globally terminal: no instance in this state will ever change again. */
export const GLOBALLY_TERMINAL: ReadonlySet<JobState> = new Set(['FAILED', 'CANCELED', 'FINISHED']);

/** True for every state after which the instance does nothing more on this JobManager (SUSPENDED included). */
export function isTerminal(state: JobState): boolean {
  return GLOBALLY_TERMINAL.has(state) || state === 'SUSPENDED';
}

/** True while an instance is alive or may become alive again on its own (Flink is running or restarting it). */
export function isActive(state: JobState): boolean {
  return !isTerminal(state);
}
