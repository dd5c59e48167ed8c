/**
 * One HTTP exchange on an undici dispatcher, body read into a string. This is the transport under every Flink
 * call, and the benchmark's floor uses it too, so the floor measures the same client.
 *
 * It drives undici's handler interface directly instead of `request()`: `request()` wraps every response body
 * in a Readable stream and parses the response headers into an object, which in a 10,000-job scrape (17,500
 * requests) costs about a quarter of the client's CPU, and we read neither a stream nor a header.
 */
import type { Dispatcher, FormData } from 'undici';

export interface DispatchOptions {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The full path below the origin, with the query. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | FormData | undefined;
  /** Undici's own timeouts (on its shared coarse timer), in milliseconds. */
  readonly headersTimeout?: number | undefined;
  readonly bodyTimeout?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface TextResponse {
  readonly status: number;
  readonly text: string;
}

/** The error a request ends with when its signal aborts it. */
export class DispatchAbortedError extends Error {
  readonly code = 'UND_ERR_ABORTED';

  constructor(reason: unknown) {
    super('request aborted', { cause: reason });
    this.name = 'DispatchAbortedError';
  }
}

/**
 * The abort functions of the requests in flight per signal. A scrape passes one signal to its thousands of
 * requests; one listener per signal and a Set entry per request is much cheaper than an EventTarget listener
 * per request, whose registration scans the signal's listener list.
 */
const inFlight = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();

/** The abort functions of `signal`'s requests in flight; the first call adds the signal's one listener. */
function abortsOf(signal: AbortSignal): Set<(reason: unknown) => void> {
  const known = inFlight.get(signal);
  if (known !== undefined) return known;
  const aborts = new Set<(reason: unknown) => void>();
  inFlight.set(signal, aborts);
  signal.addEventListener(
    'abort',
    () => {
      for (const abort of aborts) abort(signal.reason);
      aborts.clear();
    },
    { once: true },
  );
  return aborts;
}

/** Registers `abort` for `signal` until the returned function is called. */
function watch(signal: AbortSignal, abort: (reason: unknown) => void): () => void {
  const aborts = abortsOf(signal);
  aborts.add(abort);
  return () => aborts.delete(abort);
}

/** Sends one request on `dispatcher` and resolves with its status and body text (UTF-8). */
export function dispatchText(dispatcher: Dispatcher, options: DispatchOptions): Promise<TextResponse> {
  const { signal } = options;
  if (signal?.aborted === true) return Promise.reject(new DispatchAbortedError(signal.reason));
  return new Promise<TextResponse>((resolve, reject) => {
    let status = 0;
    let first: Buffer | undefined;
    let rest: Buffer[] | undefined;
    let unwatch: (() => void) | undefined;
    const settle = (): void => {
      unwatch?.();
      unwatch = undefined;
    };
    const handler: Dispatcher.DispatchHandler = {
      onConnect(abort) {
        if (signal !== undefined) unwatch = watch(signal, (reason) => abort(new DispatchAbortedError(reason)));
      },
      onHeaders(statusCode) {
        status = statusCode;
        return true;
      },
      onData(chunk) {
        if (first === undefined) first = chunk;
        else {
          rest ??= [first];
          rest.push(chunk);
        }
        return true;
      },
      onComplete() {
        settle();
        const text =
          rest !== undefined ? Buffer.concat(rest).toString('utf8') : first === undefined ? '' : first.toString('utf8');
        resolve({ status, text });
      },
      onError(err) {
        settle();
        reject(err);
      },
    };
    dispatcher.dispatch(
      {
        method: options.method,
        path: options.path,
        headers: options.headers,
        body: options.body ?? null,
        ...(options.headersTimeout === undefined ? {} : { headersTimeout: options.headersTimeout }),
        ...(options.bodyTimeout === undefined ? {} : { bodyTimeout: options.bodyTimeout }),
      },
      handler,
    );
  });
}
