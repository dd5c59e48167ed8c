/** Parsing a Flink body with zod: a body that does not match is a FlinkError naming the endpoint and the issue. */
import type { z } from 'zod';
import { FlinkError } from '../../errors.js';

/**
 * A hand-written check for a hot endpoint's body: true only when `json` certainly matches the schema (it must
 * never accept what zod rejects); false sends the body through zod, which decides and names the problem.
 */
export type QuickCheck = (json: unknown) => boolean;

/**
 * Parses JSON text and validates it; throws FLINK_BAD_RESPONSE with the endpoint and the first zod issue.
 * A body `quick` accepts is returned as parsed: the mappings read only the schema's keys, so that is what zod's
 * copy would give them, without the copy (a 10,000-job scrape parses ~17,500 bodies of loose objects).
 */
export function parseBody<S extends z.ZodType>(schema: S, text: string, cluster: string, endpoint: string, quick?: QuickCheck): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FlinkError('FLINK_BAD_RESPONSE', cluster, endpoint, `body is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (quick?.(json) === true) return json as z.output<S>;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : `${issue.path.join('.') || '(root)'}: ${issue.message}`;
    throw new FlinkError('FLINK_BAD_RESPONSE', cluster, endpoint, `unexpected body at ${where}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** A JSON object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A number zod's z.number() accepts (JSON.parse turns 1e999 into Infinity, which it does not). */
export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The `errors` of Flink's error body `{"errors": [...]}`, or the raw text when the body is something else. */
export function errorsOf(text: string): string[] {
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && Array.isArray((json as { errors?: unknown }).errors)) {
      return (json as { errors: unknown[] }).errors.map(String);
    }
  } catch {
    // not JSON: a proxy's HTML page, say
  }
  const trimmed = text.trim();
  return trimmed === '' ? [] : [trimmed.slice(0, 500)];
}
