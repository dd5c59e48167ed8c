/**
 * The HTTP layer of the Flink client: one undici keep-alive pool per cluster, a timeout on every attempt,
 * bounded concurrency, retries with backoff for GETs only (a repeated POST /jars/:id/run could start a job
 * twice), and the cluster's credentials and TLS settings. It returns status and body; what a status means is
 * the caller's business.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, type FormData } from 'undici';
import type { ClusterConfig } from '../config/schema.js';
import { FlinkError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { isRetryableStatus, retryDelayMs } from './backoff.js';
import { dispatchText } from './dispatch.js';
import { Semaphore } from './semaphore.js';

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path and query below the cluster URL, starting with `/`. */
  readonly path: string;
  readonly body?: string | FormData;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  readonly status: number;
  readonly text: string;
}

export interface HttpOptions {
  readonly logger?: Logger | undefined;
  /** First retry delay ceiling; doubles per retry up to `retryCapMs`. */
  readonly retryBaseMs?: number | undefined;
  readonly retryCapMs?: number | undefined;
}

/** From this request timeout on, undici's coarse timers enforce it (see `once`). */
const COARSE_TIMEOUT_MS = 2000;

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

/** Read through a function so narrowing from an earlier check does not hide a later abort. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Talks HTTP to one cluster's JobManager. */
export class FlinkHttp {
  private readonly pool: Pool;
  private readonly prefix: string;
  /** Sent with every request; shared, never mutated. */
  private readonly headers: Readonly<Record<string, string>>;
  private readonly semaphore: Semaphore;
  private readonly logger: Logger | undefined;
  private readonly retryBaseMs: number;
  private readonly retryCapMs: number;

  constructor(
    private readonly config: ClusterConfig,
    options: HttpOptions = {},
  ) {
    const url = new URL(config.url);
    this.prefix = url.pathname.replace(/\/+$/, '');
    const auth = authorization(config);
    this.headers =
      auth === undefined ? { accept: 'application/json' } : { accept: 'application/json', authorization: auth };
    this.semaphore = new Semaphore(config.concurrency);
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

  /** Sends `req`; GETs are retried on transport errors, timeouts and 429/502/503/504. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const attempts = req.method === 'GET' ? 1 + this.config.retries : 1;
    for (let attempt = 1; ; attempt += 1) {
      let outcome: HttpResponse | FlinkError;
      try {
        outcome = await this.semaphore.run(() => this.once(req));
      } catch (err) {
        if (!(err instanceof FlinkError)) throw err;
        outcome = err;
      }
      const retryable =
        outcome instanceof FlinkError
          ? outcome.code !== 'FLINK_TIMEOUT' || req.signal?.aborted !== true
          : isRetryableStatus(outcome.status);
      if (!retryable || attempt >= attempts || req.signal?.aborted === true) {
        if (outcome instanceof FlinkError) throw outcome;
        return outcome;
      }
      const wait = retryDelayMs(attempt, this.retryBaseMs, this.retryCapMs);
      this.logger?.debug(
        {
          cluster: this.config.name,
          endpoint: describe(req),
          attempt,
          waitMs: wait,
          reason: outcome instanceof FlinkError ? outcome.message : outcome.status,
        },
        'retrying Flink request',
      );
      try {
        await sleep(wait, undefined, req.signal === undefined ? {} : { signal: req.signal });
      } catch {
        throw this.aborted(req);
      }
    }
  }

  private aborted(req: HttpRequest): FlinkError {
    return new FlinkError(
      'FLINK_TIMEOUT',
      this.config.name,
      describe(req),
      'aborted: the caller gave up (scrape deadline)',
    );
  }

  private async once(req: HttpRequest): Promise<HttpResponse> {
    if (req.signal?.aborted === true) throw this.aborted(req);
    const ms = this.config.requestTimeout;
    // A per-request AbortSignal.timeout joined to the scrape's signal with AbortSignal.any costs CPU on every
    // request, which adds up in a big scrape. For timeouts of seconds, undici's own headers and body
    // timeouts on its shared coarse timer (about 1 s resolution) do the same job for almost nothing; short
    // timeouts keep the exact per-request signal.
    const coarse = ms >= COARSE_TIMEOUT_MS;
    const timeout = coarse ? undefined : AbortSignal.timeout(ms);
    const signal =
      timeout === undefined ? req.signal : req.signal === undefined ? timeout : AbortSignal.any([req.signal, timeout]);
    try {
      return await dispatchText(this.pool, {
        method: req.method,
        path: this.prefix === '' ? req.path : `${this.prefix}${req.path}`,
        headers: req.headers === undefined ? this.headers : { ...this.headers, ...req.headers },
        body: req.body,
        signal,
        ...(coarse ? { headersTimeout: ms, bodyTimeout: ms } : {}),
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (timeout?.aborted === true || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        throw new FlinkError('FLINK_TIMEOUT', this.config.name, describe(req), `no answer within ${ms} ms`, {
          cause: err,
        });
      }
      if (isAborted(req.signal)) throw this.aborted(req);
      throw new FlinkError(
        'FLINK_UNREACHABLE',
        this.config.name,
        describe(req),
        `${errorMessage(err)}${code === undefined ? '' : ` (${code})`}`,
        { cause: err },
      );
    }
  }

  /** Closes the pool's connections. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
