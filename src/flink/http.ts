/**
 * The HTTP layer of the Flink client: one undici keep-alive pool per cluster (its `connections` bound how many
 * requests are in flight; the pool queues the rest), a total deadline and a size cap on every attempt, retries
 * with backoff as `classifyAttempt` says, and the cluster's credentials and TLS settings. It returns status and
 * body; what a status means is the caller's business.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, type FormData } from 'undici';
import type { ClusterConfig } from '../config/schema.js';
import { FlinkError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { retryDelayMs } from './backoff.js';
import { classifyAttempt } from './retry.js';
import { requestText, TransportError, type TextResponse } from './transport.js';

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path and query below the cluster URL, starting with `/`. */
  readonly path: string;
  readonly body?: string | FormData;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
}

export type HttpResponse = TextResponse;

export interface HttpOptions {
  readonly logger?: Logger | undefined;
  /** First retry delay ceiling; doubles per retry up to `retryCapMs`. */
  readonly retryBaseMs?: number | undefined;
  readonly retryCapMs?: number | undefined;
}

/** `GET /jobs/overview`-style label for errors and logs. */
export function describe(req: Pick<HttpRequest, 'method' | 'path'>): string {
  return `${req.method} ${req.path.split('?')[0] ?? req.path}`;
}

function authorization(config: ClusterConfig): string | undefined {
  if (config.bearerToken !== undefined) return `Bearer ${config.bearerToken}`;
  if (config.basicAuth !== undefined) {
    const { username, password } = config.basicAuth;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  return undefined;
}

/** Talks HTTP to one cluster's JobManager. */
export class FlinkHttp {
  private readonly pool: Pool;
  private readonly prefix: string;
  /** Sent with every request; shared, never mutated. */
  private readonly headers: Readonly<Record<string, string>>;
  private readonly logger: Logger | undefined;
  private readonly retryBaseMs: number;
  private readonly retryCapMs: number;
  /** Aborted by close(): no retry waits on a closed client. */
  private readonly closing = new AbortController();

  constructor(
    private readonly config: ClusterConfig,
    options: HttpOptions = {},
  ) {
    const url = new URL(config.url);
    this.prefix = url.pathname.replace(/\/+$/, '');
    const auth = authorization(config);
    this.headers =
      auth === undefined ? { accept: 'application/json' } : { accept: 'application/json', authorization: auth };
    this.logger = options.logger;
    this.retryBaseMs = options.retryBaseMs ?? 200;
    this.retryCapMs = options.retryCapMs ?? 2000;
    let ca: string | undefined;
    if (config.tls?.caFile !== undefined) {
      try {
        ca = readFileSync(config.tls.caFile, 'utf8');
      } catch (err) {
        throw new FlinkError(
          'FLINK_UNREACHABLE',
          config.name,
          'tls',
          `cannot read caFile ${config.tls.caFile}: ${errorMessage(err)}`,
          { cause: err },
        );
      }
    }
    this.pool = new Pool(url.origin, {
      connections: config.concurrency,
      keepAliveTimeout: 30_000,
      connect: {
        ...(ca === undefined ? {} : { ca }),
        rejectUnauthorized: !(config.tls?.insecureSkipVerify ?? false),
      },
    });
  }

  /** Sends `req`, retrying what `classifyAttempt` says to retry; throws FlinkError when no response came. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const { signal } = req;
    for (let attempt = 1; ; attempt += 1) {
      let outcome: HttpResponse | TransportError;
      try {
        outcome = await requestText(this.pool, {
          method: req.method,
          path: this.prefix === '' ? req.path : `${this.prefix}${req.path}`,
          headers: req.headers === undefined ? this.headers : { ...this.headers, ...req.headers },
          body: req.body,
          timeoutMs: this.config.requestTimeout,
          maxBytes: this.config.maxResponseBytes,
          signal,
        });
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        outcome = err;
      }
      const verdict = classifyAttempt(
        req.method,
        outcome instanceof TransportError
          ? { kind: 'failure', reason: outcome.reason }
          : { kind: 'response', status: outcome.status },
      );
      if (verdict.kind === 'final' || attempt > this.config.retries || this.closing.signal.aborted) {
        if (outcome instanceof TransportError) throw this.error(req, outcome);
        return outcome;
      }
      const wait = retryDelayMs(attempt, this.retryBaseMs, this.retryCapMs);
      this.logger?.debug(
        { cluster: this.config.name, endpoint: describe(req), attempt, wait_ms: wait, reason: verdict.reason },
        'retrying Flink request',
      );
      try {
        // Joined only here, on the rare retry: a signal joined per request would cost every request.
        const joined = signal === undefined ? this.closing.signal : AbortSignal.any([signal, this.closing.signal]);
        await sleep(wait, undefined, { signal: joined });
      } catch (err) {
        throw this.error(req, new TransportError('aborted', 'aborted: the caller gave up', { cause: err }));
      }
    }
  }

  private error(req: HttpRequest, err: TransportError): FlinkError {
    const code =
      err.reason === 'timeout' || err.reason === 'aborted'
        ? 'FLINK_TIMEOUT'
        : err.reason === 'too_large'
          ? 'FLINK_BAD_RESPONSE'
          : 'FLINK_UNREACHABLE';
    return new FlinkError(code, this.config.name, describe(req), err.message, { cause: err });
  }

  /** Ends what is in flight (each request fails with a transport error) and closes the pool's connections. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.pool.destroy();
  }
}
