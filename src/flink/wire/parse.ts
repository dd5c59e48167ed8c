/** Parsing a Flink body with zod: a body that does not match is a FlinkError naming the endpoint and the issue. */
import type { z } from 'zod';
import { FlinkError, formatIssue, zodIssues, errorMessage } from '../../errors.js';

/** The endpoint a body came from, or a function that names it: called only for an error. */
type Endpoint = string | (() => string);

const nameOf = (endpoint: Endpoint): string => (typeof endpoint === 'string' ? endpoint : endpoint());

/** Parses JSON text; throws FLINK_BAD_RESPONSE with the endpoint when it is not JSON. */
export function parseJson(text: string, cluster: string, endpoint: Endpoint): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FlinkError('FLINK_BAD_RESPONSE', cluster, nameOf(endpoint), `body is not JSON: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** Validates parsed JSON; throws FLINK_BAD_RESPONSE with the endpoint and the first zod issue. */
export function validateBody<S extends z.ZodType>(
  schema: S,
  json: unknown,
  cluster: string,
  endpoint: Endpoint,
): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = zodIssues(parsed.error)[0];
    const at = issue === undefined ? '' : formatIssue(issue);
    throw new FlinkError('FLINK_BAD_RESPONSE', cluster, nameOf(endpoint), `unexpected body at ${at}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Parses JSON text and validates it (see parseJson, validateBody). */
export function parseBody<S extends z.ZodType>(
  schema: S,
  text: string,
  cluster: string,
  endpoint: Endpoint,
): z.output<S> {
  return validateBody(schema, parseJson(text, cluster, endpoint), cluster, endpoint);
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
