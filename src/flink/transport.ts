/**
 * One HTTP exchange with a total deadline and a size cap, on undici's `request()`. This is the transport under
 * every Flink call, and the benchmark's floor uses it too, so the floor measures the same client.
 *
 * The deadline covers connect, headers and the whole body: it is one timer that aborts the request's signal.
 * Undici's own `headersTimeout` and `bodyTimeout` are idle timers (a body that drips a byte now and then never
 * trips them), so they cannot bound a request. The body is counted while it streams and the request is aborted
 * as soon as it passes `maxBytes`, before the text exists.
 */
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

/** Marks who aborted the request's signal, so the error says why. */
class Stop {
  constructor(readonly reason: Exclude<TransportFailure, 'transport'>) {}
}

function failure(stop: unknown, err: unknown, req: TextRequest): TransportError {
  if (stop instanceof Stop) {
    if (stop.reason === 'timeout') {
      return new TransportError('timeout', `no complete answer within ${req.timeoutMs} ms`, { cause: err });
    }
    if (stop.reason === 'too_large') {
      return new TransportError('too_large', `body larger than ${req.maxBytes} bytes`, { cause: err });
    }
    return new TransportError('aborted', 'aborted: the caller gave up', { cause: err });
  }
  const code = (err as { code?: unknown }).code;
  const detail = err instanceof Error ? err.message : String(err);
  return new TransportError('transport', typeof code === 'string' ? `${detail} (${code})` : detail, { cause: err });
}

/** Sends one request on `dispatcher` and resolves with its status and body text (UTF-8). */
export async function requestText(dispatcher: Dispatcher, req: TextRequest): Promise<TextResponse> {
  if (req.signal?.aborted === true) throw failure(new Stop('aborted'), req.signal.reason, req);
  const controller = new AbortController();
  const stop = (reason: Stop): void => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const timer = setTimeout(stop, req.timeoutMs, new Stop('timeout'));
  const onAbort = (): void => stop(new Stop('aborted'));
  req.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await dispatcher.request({
      method: req.method,
      path: req.path,
      headers: req.headers,
      body: req.body ?? null,
      signal: controller.signal,
    });
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > req.maxBytes) {
      stop(new Stop('too_large'));
      res.body.destroy();
      throw controller.signal.reason;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > req.maxBytes) {
        stop(new Stop('too_large'));
        res.body.destroy();
        throw controller.signal.reason;
      }
      chunks.push(chunk);
    }
    const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
    return { status: res.statusCode, text };
  } catch (err) {
    throw failure(controller.signal.aborted ? controller.signal.reason : undefined, err, req);
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
  }
}
