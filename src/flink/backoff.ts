/** Retry delays for idempotent GETs: exponential with full jitter, so clients that failed together spread out. */

/** Delay before retry number `attempt` (1-based): a random value in [0, min(cap, base * 2^(attempt-1))]. */
export function retryDelayMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}
