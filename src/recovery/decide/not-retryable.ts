/** Whether a root cause is one no resubmission can cure (the `notRetryable` policy). Pure. */
import type { JobSpec, NotRetryableRule, RecoveryConfig } from '../../config/schema.js';
import type { EpisodeRootCause } from '../model/episode-schema.js';

/** The rules of one job: its own list when it has one, else the default. */
export function rulesFor(
  spec: Pick<JobSpec, 'notRetryable'> | undefined,
  recovery: Pick<RecoveryConfig, 'notRetryable'>,
) {
  return spec?.notRetryable ?? recovery.notRetryable;
}

/** The first rule the root cause matches: the class equals `exceptionClass`, the first lines match `messagePattern`. */
export function matchingRule(
  cause: EpisodeRootCause | undefined,
  rules: readonly NotRetryableRule[],
): NotRetryableRule | undefined {
  if (cause === undefined) return undefined;
  return rules.find(
    (r) =>
      (r.exceptionClass === undefined || r.exceptionClass === cause.exceptionClass) &&
      (r.messagePattern === undefined || new RegExp(r.messagePattern).test(cause.message)),
  );
}
