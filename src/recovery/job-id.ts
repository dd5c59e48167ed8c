/**
 * Deterministic JobIDs. Flink refuses a second submission with a JobID it already knows, so deriving the ID
 * from the failed instance and the attempt number makes a repeated POST of the same attempt (a retry after a
 * timeout, a restart after `kill -9`, a second replica) harmless.
 */
import { createHash } from 'node:crypto';

function hex32(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** The JobID of attempt `attempt` (1-based) of an episode whose failed instance is `baseJobId`. */
export function deriveJobId(baseJobId: string, attempt: number): string {
  return hex32(`${baseJobId}#${attempt}`);
}

/**
 * The base of a missing job's attempts when nothing remembers its last JobID. It is deliberately free of
 * time so two replicas agree; a reuse is harmless because a missing job has no instance Flink still knows.
 */
export function missingJobBase(cluster: string, jobName: string): string {
  return hex32(`missing:${cluster}/${jobName}`);
}
