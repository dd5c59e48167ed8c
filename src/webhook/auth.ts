/**
 * Credentials of the webhook and the API, as Alertmanager's http_config sends them (bearer or basic).
 * Compared in constant time on SHA-256 digests, which are always of equal length, so neither the secret's
 * content nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { WebhookConfig } from '../config/schema.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time string equality. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** True when an Authorization header carries the configured credentials. */
export function checkCredentials(
  header: string | undefined,
  config: Pick<WebhookConfig, 'bearerToken' | 'basicAuth'>,
): boolean {
  if (header === undefined) return false;
  const match = /^(\S+)\s+(.+)$/.exec(header.trim());
  if (match === null) return false;
  const scheme = (match[1] ?? '').toLowerCase();
  const value = match[2] ?? '';
  if (config.bearerToken !== undefined) return scheme === 'bearer' && safeEqual(value, config.bearerToken);
  if (config.basicAuth !== undefined) {
    if (scheme !== 'basic') return false;
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const userOk = safeEqual(decoded.slice(0, colon), config.basicAuth.username);
    const passOk = safeEqual(decoded.slice(colon + 1), config.basicAuth.password);
    return userOk && passOk;
  }
  return false; // the schema refuses a config without credentials; never open by accident
}
