/** The deadline of one scrape: Prometheus' own timeout, less a margin for writing the answer. */
import type { ExporterConfig } from '../config/schema.js';

/** Prometheus' scrape timeouts are seconds to minutes; a larger header value is taken as this. */
const LONGEST_MS = 10 * 60_000;

/**
 * Milliseconds the scrape may spend collecting, from `X-Prometheus-Scrape-Timeout-Seconds` (absent or not a
 * positive number: `exporter.scrapeTimeout`), minus `exporter.scrapeTimeoutMargin`. When the margin would eat
 * the whole timeout, half of the timeout is kept for collecting.
 */
export function scrapeDeadlineMs(header: string | undefined, config: ExporterConfig): number {
  const seconds = header === undefined || header.trim() === '' ? Number.NaN : Number(header);
  const timeout =
    Number.isFinite(seconds) && seconds > 0 ? Math.min(Math.round(seconds * 1000), LONGEST_MS) : config.scrapeTimeout;
  const left = timeout - config.scrapeTimeoutMargin;
  return Math.max(1, left >= timeout / 2 ? left : Math.round(timeout / 2));
}
