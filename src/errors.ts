/**
 * The error hierarchy. Every error carries a stable `code` that logs and tests can match on, and keeps its
 * `cause`. Expected outcomes (a skipped recovery, a job that is not there) are returned as values, not thrown:
 * these classes are for what the caller cannot go on from.
 */

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_UNREADABLE'
  | 'FLINK_UNREACHABLE'
  | 'FLINK_HTTP_STATUS'
  | 'FLINK_BAD_RESPONSE'
  | 'FLINK_TIMEOUT'
  | 'STATE_CORRUPT'
  | 'STATE_UNREADABLE'
  | 'STATE_WRITE_FAILED'
  | 'JAR_UNAVAILABLE';

/** Base of every error flink-guardian throws on purpose. */
export class GuardianError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** One problem in a configuration, with its path in the file (`clusters[1].url`). */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** A configuration that cannot be used; lists every problem, not only the first. */
export class ConfigError extends GuardianError {
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super('CONFIG_INVALID', formatConfigIssues(file, issues), options);
    this.issues = issues;
  }
}

/** The message of anything thrown: an Error's own message, else its string form (a thrown string, a number). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : String(err);
}

/**
 * A path into a document as it reads in the file or body: `clusters[1].url`, `alerts[0].labels`. The one path
 * syntax of every message about bad input (configuration, webhook bodies, state files, Flink bodies).
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** The issues of a failed zod parse, each with its path in the one syntax; `(root)` for the whole document. */
export function zodIssues(error: {
  readonly issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): ConfigIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** One issue as a line: `clusters[1].url: expected an http:// or https:// URL`. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`;
}

/** Renders config issues one per line, the way check-config prints them. */
export function formatConfigIssues(file: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => `  ${formatIssue(i)}`);
  return `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
}

/** A Flink REST call that failed: transport, status or a body that does not parse. */
export class FlinkError extends GuardianError {
  readonly cluster: string;
  readonly endpoint: string;
  readonly status: number | undefined;

  constructor(
    code: Extract<ErrorCode, `FLINK_${string}`>,
    cluster: string,
    endpoint: string,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(code, `${cluster} ${endpoint}: ${message}`, options);
    this.cluster = cluster;
    this.endpoint = endpoint;
    this.status = options?.status;
  }
}

/** The state directory cannot be read or written safely. */
export class StateError extends GuardianError {
  readonly file: string;

  constructor(
    code: Extract<ErrorCode, `STATE_${string}`>,
    file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, `${file}: ${message}`, options);
    this.file = file;
  }
}
