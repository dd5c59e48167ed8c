/**
 * The request side of `--web.config.file`: extra headers, the rate limit and bcrypt basic auth, checked before
 * any route (/metrics, /healthz, /readyz, the webhook and the API alike), in exporter-toolkit's order.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import bcrypt from 'bcryptjs';
import { basicCredentials, type WebConfig } from './web-config.js';

/** Answers the request itself (401, 429) and returns false, or returns true to let it through. */
export type RequestGuard = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface WebGuardOptions {
  readonly web: WebConfig;
  /**
   * Requests that another layer authenticates with its own credentials (the webhook and API): a client can send
   * one Authorization header, so when it carries those credentials the basic-auth layer lets it through.
   */
  readonly delegate?: (req: IncomingMessage) => boolean;
  /** Milliseconds clock of the rate limit (tests). */
  readonly now?: () => number;
}

// A bcrypt check costs tens of milliseconds by design: a scrape every 15 s must not pay it each time.
const CACHE_SIZE = 100;
// Checks waiting for their turn; beyond this a flood of bad passwords is answered 429 instead of queued.
const MAX_PENDING = 32;
// Compared against when the user is unknown, so that the answer takes as long as for a known user.
const DUMMY_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';

function reject(res: ServerResponse, status: 401 | 429): false {
  if (status === 401) res.setHeader('WWW-Authenticate', 'Basic');
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(status === 401 ? 'Unauthorized\n' : 'Too Many Requests\n');
  return false;
}

/** A token bucket: `burst` requests at once, one more every `intervalMs`. */
function tokenBucket(burst: number, intervalMs: number, now: () => number): () => boolean {
  let tokens = burst;
  let last = now();
  return () => {
    const t = now();
    if (intervalMs > 0) tokens = Math.min(burst, tokens + (t - last) / intervalMs);
    last = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** Builds the guard of a web configuration; holds the bcrypt cache and the rate limiter. */
export function createWebGuard(options: WebGuardOptions): RequestGuard {
  const { web } = options;
  const allow = web.rateLimit
    ? tokenBucket(web.rateLimit.burst, web.rateLimit.intervalMs, options.now ?? Date.now)
    : undefined;
  const cache = new Map<string, boolean>();
  let queue: Promise<unknown> = Promise.resolve();
  let pending = 0;

  const verify = async (user: string, password: string): Promise<boolean | 'busy'> => {
    const users = web.users;
    if (users === undefined) return true;
    const hash = users.get(user);
    const key = createHash('sha256')
      .update(`${user}\0${hash ?? ''}\0${password}`)
      .digest('hex');
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    if (pending >= MAX_PENDING) return 'busy';
    pending += 1;
    // One check at a time, like exporter-toolkit: concurrent bad passwords queue instead of taking every core.
    const result = queue.then(() => bcrypt.compare(password, hash ?? DUMMY_HASH));
    queue = result.catch(() => false);
    let ok: boolean;
    try {
      ok = (await result) && hash !== undefined;
    } catch {
      ok = false;
    } finally {
      pending -= 1;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, ok);
    return ok;
  };

  return async (req, res) => {
    if (allow !== undefined && !allow()) return reject(res, 429);
    for (const [name, value] of Object.entries(web.headers)) res.setHeader(name, value);
    if (web.users === undefined) return true;
    if (options.delegate?.(req) === true) return true;
    const credentials = basicCredentials(req.headers.authorization);
    if (credentials === undefined) return reject(res, 401);
    const ok = await verify(credentials.user, credentials.password);
    if (ok === 'busy') return reject(res, 429);
    return ok || reject(res, 401);
  };
}
