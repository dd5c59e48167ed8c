/**
 * Self-describing JobIDs. An attempt's JobID is `marker + root + attempt + checksum`, where the root is the
 * first 20 hex digits of the instance whose failure opened the episode. Any replica that sees any instance of
 * the episode (the root or any attempt) recomputes the same root and so the same JobID for the next attempt;
 * Flink refuses the second submission of one JobID, which makes it the only arbiter two replicas need.
 */
import { createHash } from 'node:crypto';

/** Marks a JobID as an attempt of flink-guardian; a random JobID starts with it once in 65,536. */
const MARKER = 'f9a7';
/** Hex digits of the root JobID kept in an attempt's JobID (80 bits: collisions within one job name are moot). */
export const ROOT_LENGTH = 20;
const ATTEMPT_DIGITS = 2;
const CHECKSUM_DIGITS = 32 - MARKER.length - ROOT_LENGTH - ATTEMPT_DIGITS;
/** Highest attempt number a JobID can carry (the config caps maxAttempts well below it). */
export const MAX_ATTEMPT_IN_ID = 16 ** ATTEMPT_DIGITS - 1;

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function checksum(body: string): string {
  return sha(`flink-guardian:${body}`).slice(0, CHECKSUM_DIGITS);
}

/** The root of an episode whose failed (or lost) instance had this JobID. */
export function rootOf(jobId: string): string {
  return jobId.toLowerCase().slice(0, ROOT_LENGTH);
}

/** The JobID of attempt `n` (1-based) of the episode with root `root`. */
export function attemptJobId(root: string, n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > MAX_ATTEMPT_IN_ID) throw new RangeError(`attempt ${n} out of range`);
  if (!/^[0-9a-f]{20}$/.test(root)) throw new RangeError(`root ${root} is not ${ROOT_LENGTH} hex digits`);
  const body = `${MARKER}${root}${n.toString(16).padStart(ATTEMPT_DIGITS, '0')}`;
  return `${body}${checksum(body)}`;
}

export interface AttemptId {
  readonly root: string;
  readonly n: number;
}

/** The root and attempt number an attempt JobID carries; undefined for any other JobID. */
export function parseAttemptId(jobId: string): AttemptId | undefined {
  const id = jobId.toLowerCase();
  if (id.length !== 32 || !id.startsWith(MARKER)) return undefined;
  const body = id.slice(0, 32 - CHECKSUM_DIGITS);
  if (checksum(body) !== id.slice(32 - CHECKSUM_DIGITS)) return undefined;
  const n = Number.parseInt(body.slice(MARKER.length + ROOT_LENGTH), 16);
  if (!(n >= 1)) return undefined;
  return { root: body.slice(MARKER.length, MARKER.length + ROOT_LENGTH), n };
}

/** True when `jobId` is the root instance or an attempt of the episode with root `root`. */
export function belongsTo(jobId: string, root: string): boolean {
  const a = parseAttemptId(jobId);
  return a === undefined ? rootOf(jobId) === root : a.root === root || rootOf(jobId) === root;
}

/**
 * The root of a missing job's episode when nothing remembers its last JobID. It is deliberately free of time so
 * two replicas agree; a reuse is harmless because a missing job has no instance Flink still knows.
 */
export function missingJobRoot(cluster: string, jobName: string): string {
  return sha(`missing:${cluster}/${jobName}`).slice(0, ROOT_LENGTH);
}
