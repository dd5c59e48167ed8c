/**
 * What is retried and why: one pure function over the outcome of an attempt. Only idempotent GETs are
 * retried (a repeated POST /jars/:id/run could start a job twice); of their outcomes, only those that say the
 * JobManager or a proxy in front of it was briefly unavailable.
 */
import type { TransportFailure } from './transport.js';

/** The outcome of one attempt: a response with its status, or a transport failure. */
export type AttemptOutcome =
  | { readonly kind: 'response'; readonly status: number }
  | { readonly kind: 'failure'; readonly reason: TransportFailure };

/**
 * Why an attempt is (or is not) tried again, from a closed set; the value is the log field.
 * Retried: `timeout` (the JobManager was slow this once), `transport` (a connection refused or reset, e.g.
 * during a leader change), `unavailable` (429, 502, 503 while a new leader is elected, 504).
 * Final: `success`, `not_idempotent`, `aborted` (the caller gave up), `too_large` (the same body comes back
 * next time), `status` (any other status: Flink answered on purpose).
 */
export type RetryVerdict =
  | { readonly kind: 'retry'; readonly reason: 'timeout' | 'transport' | 'unavailable' }
  | { readonly kind: 'final'; readonly reason: 'success' | 'not_idempotent' | 'aborted' | 'too_large' | 'status' };

const UNAVAILABLE: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export function classifyAttempt(method: string, outcome: AttemptOutcome): RetryVerdict {
  if (outcome.kind === 'response') {
    if (outcome.status >= 200 && outcome.status < 300) return { kind: 'final', reason: 'success' };
    if (!UNAVAILABLE.has(outcome.status)) return { kind: 'final', reason: 'status' };
    return method === 'GET' ? { kind: 'retry', reason: 'unavailable' } : { kind: 'final', reason: 'not_idempotent' };
  }
  if (outcome.reason === 'aborted' || outcome.reason === 'too_large') return { kind: 'final', reason: outcome.reason };
  return method === 'GET' ? { kind: 'retry', reason: outcome.reason } : { kind: 'final', reason: 'not_idempotent' };
}
