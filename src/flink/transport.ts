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
 * The exchanges in flight per caller signal, stopped together by one listener on the signal. A scrape hands its
 * deadline signal to every request it makes; an EventTarget listener per request hung thousands of listener
 * records on a signal that lives through the scrape, and in some runs V8 then promoted each request's objects
 * with them, doubling the peak memory of a 10,000-job scrape. A set entry per request costs nothing of the sort.
 * Keyed weakly by the caller's signal, so it holds nothing past the signal's life.
 */
const inFlight = new WeakMap<AbortSignal, Set<TextExchange>>();

function watchAbort(signal: AbortSignal, exchange: TextExchange): void {
  let exchanges = inFlight.get(signal);
  if (exchanges === undefined) {
    const set = new Set<TextExchange>();
    exchanges = set;
    inFlight.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        inFlight.delete(signal);
        for (const each of set) each.abortedByCaller();
      },
      { once: true },
    );
  }
  exchanges.add(exchange);
}

function unwatchAbort(signal: AbortSignal, exchange: TextExchange): void {
  inFlight.get(signal)?.delete(exchange);
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
  private status = 0;
  private size = 0;
  /**
   * The body so far: most bodies are one chunk, kept without an array. Arrays made per request are what V8
   * learns to allocate in the old generation when a cold scrape keeps many of them alive at once, and each
   * then holds its chunks there too until a full collection.
   */
  private first: Buffer | undefined;
  private rest: Buffer[] | undefined;
  private readonly timer: NodeJS.Timeout;
  private resolve: ((res: TextResponse) => void) | undefined;
  private reject: ((err: TransportError) => void) | undefined;

  constructor(
    private readonly req: TextRequest,
    resolve: (res: TextResponse) => void,
    reject: (err: TransportError) => void,
  ) {
    this.resolve = resolve;
    this.reject = reject;
    this.timer = setTimeout(() => this.halt('timeout'), req.timeoutMs);
    if (req.signal !== undefined) watchAbort(req.signal, this);
  }

  /** Settled once the callbacks are let go (`settle()`): a settled exchange has no one left to tell. */
  private get settled(): boolean {
    return this.resolve === undefined;
  }

  /** The caller's signal aborted. */
  abortedByCaller(): void {
    this.halt('aborted');
  }

  /** Stops the exchange for `stop`: the caller hears at once, the connection is aborted when undici has one. */
  private halt(stop: Stop): void {
    if (this.settled) return;
    this.stop = stop;
    const err = failure(stop, undefined, this.req);
    const controller = this.controller;
    const reject = this.reject;
    // Settled first: undici reports the abort back through onResponseError, which must not win.
    this.settle();
    reject?.(err);
    controller?.abort(err);
  }

  /**
   * Marks the exchange done and lets go of everything it points to. Undici and the timer keep the handler for a
   * while after it settled, and when one of them already sits in the old generation it keeps the handler alive
   * through every young collection until the next full one; a handler still pointing at its promise kept each
   * answer's text alive with it, and under a large scrape V8 then learned to allocate per-request objects in the old
   * generation and raised the peak memory in most runs.
   */
  private settle(): void {
    this.first = undefined;
    this.rest = undefined;
    this.resolve = undefined;
    this.reject = undefined;
    this.controller = undefined;
    clearTimeout(this.timer);
    if (this.req.signal !== undefined) unwatchAbort(this.req.signal, this);
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
    if (this.first === undefined) this.first = chunk;
    else if (this.rest === undefined) this.rest = [this.first, chunk];
    else this.rest.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    const { first, rest, size } = this;
    const resolve = this.resolve;
    this.settle();
    const text =
      rest !== undefined ? Buffer.concat(rest, size).toString() : first === undefined ? '' : first.toString('utf8');
    resolve?.({ status: this.status, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }

  /** Ends the exchange with a transport error (undici's, or a dispatch that threw). */
  fail(err: Error): void {
    if (this.settled) return;
    const reject = this.reject;
    this.settle();
    reject?.(failure(undefined, err, this.req));
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
