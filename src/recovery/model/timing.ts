/** Cooldowns between attempts, and how often open and exhausted episodes are looked at. */
import type { RecoveryConfig } from '../../config/schema.js';

type Timing = Pick<RecoveryConfig, 'cooldown' | 'backoffFactor' | 'maxCooldown'>;

/** The settings the poll interval is derived from. */
type PollTiming = Pick<RecoveryConfig, 'cooldown' | 'verifyTimeout' | 'resetAfter'>;

/** Least time between attempt `n` and attempt `n + 1`: cooldown × backoffFactor^(n−1), capped by maxCooldown. */
export function cooldownAfter(n: number, config: Timing): number {
  const grown = config.cooldown * config.backoffFactor ** Math.max(0, n - 1);
  // maxCooldown bounds growth only: a cap below the base cooldown would break "least time between attempts".
  const cap = Math.max(config.cooldown, config.maxCooldown);
  return Math.min(grown, cap);
}

/** Earliest time attempt `n + 1` may start, given when attempt `n` started. */
export function nextAttemptAt(n: number, startedAt: number, config: Timing, now: number): number {
  return Math.max(now, startedAt + cooldownAfter(n, config));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** How often an open episode polls Flink while verifying or waiting for resetAfter. */
export function pollInterval(config: PollTiming): number {
  return clamp(Math.floor(Math.min(config.cooldown, config.verifyTimeout, config.resetAfter) / 10), 20, 5_000);
}

/** How often an exhausted episode checks whether the job runs again. */
export function watchInterval(config: Pick<RecoveryConfig, 'cooldown'>): number {
  return clamp(config.cooldown, 50, 60_000);
}

/**
 * The grid open and exhausted episodes wake on: a quarter of the poll interval. Episodes of one cluster whose
 * wake-ups fall into one slot wake together and share one `/jobs/overview`, so however many episodes wait,
 * the recoverer reads a cluster at most about four times per poll interval; each wake-up is late by less than a slot.
 */
export function wakeGrid(config: PollTiming): number {
  return Math.max(1, Math.floor(pollInterval(config) / 4));
}

/** The first slot of `grid` at or after `at` (epoch milliseconds). */
export function wakeSlot(at: number, grid: number): number {
  return Math.ceil(at / grid) * grid;
}

/**
 * When an alert that could not be judged because Flink did not answer (first taken at `since`) is looked at
 * again: a poll interval from now, while that is within verifyTimeout of `since`; after that, undefined, and
 * Alertmanager's next notification of the alert (its repeat_interval) is what brings it back.
 */
export function intakeRetryAt(since: number, now: number, config: PollTiming): number | undefined {
  const at = now + pollInterval(config);
  return at <= since + config.verifyTimeout ? at : undefined;
}
