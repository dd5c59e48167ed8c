/**
 * One HTTP exchange with a total deadline and a size cap, on undici's `dispatch()`. This is the transport under
 * every Flink call, and the benchmark's floor uses it too, so the floor measures the same client.
 *
 * The deadline covers the wait in the pool's queue, connect, headers and the whole body: it is one timer that
 * aborts the exchange.
 * Undici's own `headersTimeout` and `bodyTimeout` are idle timers (a body that drips a byte now and then never
 * trips them), so they cannot bound a request. The body is counted while it streams and the request is aborted
 * as soon as it passes `maxBytes`, before the text exists.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher, FormData } from 'undici';

export interface TextRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The full path below the origin, with the query. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | FormData | undefined;
  /** Total time for connect, headers and body, in milliseconds. */
  readonly timeoutMs: number;
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** The caller's own signal (a scrape deadline, a shutdown). */
  readonly signal?: AbortSignal | undefined;
}

export interface TextResponse {
  readonly status: number;
  readonly text: string;
}

/**
 * Why an exchange ended without a response, from a closed set: `timeout` (the request's own deadline),
 * `aborted` (the caller's signal), `too_large` (the body passed the cap), `transport` (connection refused or
 * reset, TLS, a malformed response).
 */
export type TransportFailure = 'timeout' | 'aborted' | 'too_large' | 'transport';

export class TransportError extends Error {
  readonly reason: TransportFailure;

  constructor(reason: TransportFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.reason = reason;
  }
}

type Stop = Exclude<TransportFailure, 'transport'>;

function failure(stop: Stop | undefined, err: unknown, req: TextRequest): TransportError {
  if (stop === 'timeout') {
    return new TransportError('timeout', `no complete answer within ${req.timeoutMs} ms`, { cause: err });
  }
  if (stop === 'too_large') {
    return new TransportError('too_large', `body larger than ${req.maxBytes} bytes`, { cause: err });
  }
  if (stop === 'aborted') return new TransportError('aborted', 'aborted: the caller gave up', { cause: err });
  const code = (err as { code?: unknown }).code;
  const detail = err instanceof Error ? err.message : String(err);
  return new TransportError('transport', typeof code === 'string' ? `${detail} (${code})` : detail, { cause: err });
}

/** The declared `content-length` of the response headers, NaN when absent. */
function declaredLength(headers: IncomingHttpHeaders): number {
  const value = headers['content-length'];
  return typeof value === 'string' ? Number(value) : Number.NaN;
}

/**
 * One exchange as an undici dispatch handler: the body's chunks are collected as they arrive and the promise
 * settles once. Written against `dispatch` rather than `request()` because `request()` adds, per call, a
 * response stream, its async iterator, an AbortController for our deadline and an AsyncResource, all of which
 * a scrape of thousands of calls paid for and V8 promoted to the old generation.
 */
class TextExchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private stop: Stop | undefined;
  private settled = false;
  private status = 0;
  private size = 0;
  private chunks: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = (): void => this.halt('aborted');

  constructor(
    private readonly req: TextRequest,
    private readonly resolve: (res: TextResponse) => void,
    private readonly reject: (err: TransportError) => void,
  ) {
    this.timer = setTimeout(() => this.halt('timeout'), req.timeoutMs);
    req.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Stops the exchange for `stop`: the caller hears at once, the connection is aborted when undici has one. */
  private halt(stop: Stop): void {
    if (this.settled) return;
    this.stop = stop;
    const err = failure(stop, undefined, this.req);
    // Settled first: undici reports the abort back through onResponseError, which must not win.
    this.settle();
    this.reject(err);
    this.controller?.abort(err);
  }

  private settle(): void {
    this.settled = true;
    this.chunks = [];
    clearTimeout(this.timer);
    this.req.signal?.removeEventListener('abort', this.onAbort);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Halted while it waited in the pool's queue: it never goes on the wire.
    if (this.settled) controller.abort(failure(this.stop, undefined, this.req));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return;
    this.status = statusCode;
    if (declaredLength(headers) > this.req.maxBytes) this.halt('too_large');
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.req.maxBytes) {
      this.halt('too_large');
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    const chunks = this.chunks;
    this.settle();
    const text =
      chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, this.size).toString();
    this.resolve({ status: this.status, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }

  /** Ends the exchange with a transport error (undici's, or a dispatch that threw). */
  fail(err: Error): void {
    if (this.settled) return;
    this.settle();
    this.reject(failure(undefined, err, this.req));
  }
}

/** Sends one request on `dispatcher` and resolves with its status and body text (UTF-8). */
export function requestText(dispatcher: Dispatcher, req: TextRequest): Promise<TextResponse> {
  if (req.signal?.aborted === true) return Promise.reject(failure('aborted', req.signal.reason, req));
  return new Promise((resolve, reject) => {
    const exchange = new TextExchange(req, resolve, reject);
    try {
      dispatcher.dispatch(
        // Undici's own idle timers are off: the exchange's deadline bounds every phase, and two more timers per
        // request cost every call of a scrape.
        {
          method: req.method,
          path: req.path,
          headers: req.headers,
          body: req.body ?? null,
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        exchange,
      );
    } catch (err) {
      exchange.fail(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
