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

/** Renders config issues one per line, the way check-config prints them. */
export function formatConfigIssues(file: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => `  ${i.path === '' ? '(root)' : i.path}: ${i.message}`);
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
