/** Parsing a Flink body with zod: a body that does not match is a FlinkError naming the endpoint and the issue. */
import type { z } from 'zod';
import { FlinkError } from '../../errors.js';

/** Parses JSON text and validates it; throws FLINK_BAD_RESPONSE with the endpoint and the first zod issue. */
export function parseBody<S extends z.ZodType>(schema: S, text: string, cluster: string, endpoint: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FlinkError('FLINK_BAD_RESPONSE', cluster, endpoint, `body is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : `${issue.path.join('.') || '(root)'}: ${issue.message}`;
    throw new FlinkError('FLINK_BAD_RESPONSE', cluster, endpoint, `unexpected body at ${where}`, { cause: parsed.error });
  }
  return parsed.data;
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
