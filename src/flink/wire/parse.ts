/** Parsing a Flink body with zod: a body that does not match is a FlinkError naming the endpoint and the issue. */
import type { z } from 'zod';
import { FlinkError, formatIssue, zodIssues, errorMessage } from '../../errors.js';

/**
 * Parses JSON text and validates it; throws FLINK_BAD_RESPONSE with the endpoint and the first zod issue.
 * `endpoint` may be a function: it is then only called for the error, not on every body of a scrape.
 */
export function parseBody<S extends z.ZodType>(
  schema: S,
  text: string,
  cluster: string,
  endpoint: string | (() => string),
): z.output<S> {
  const where = (): string => (typeof endpoint === 'string' ? endpoint : endpoint());
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FlinkError('FLINK_BAD_RESPONSE', cluster, where(), `body is not JSON: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = zodIssues(parsed.error)[0];
    const at = issue === undefined ? '' : formatIssue(issue);
    throw new FlinkError('FLINK_BAD_RESPONSE', cluster, where(), `unexpected body at ${at}`, { cause: parsed.error });
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
