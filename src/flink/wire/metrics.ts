/**
 * `GET /jobs/:jobid/metrics?get=...`. The real body is a bare array `[{"id": "...", "value": "..."}]`
 * (the spec says `{"metrics": [...]}`, which is accepted too). A metric Flink has not fetched is absent.
 */
import { z } from 'zod';
import { isRecord } from './parse.js';

const metricSchema = z.looseObject({ id: z.string(), value: z.string().optional() });

export const metricsSchema = z.union([z.array(metricSchema), z.looseObject({ metrics: z.array(metricSchema) })]);

function isMetric(m: unknown): boolean {
  if (!isRecord(m)) return false;
  const value = m['value'];
  return typeof m['id'] === 'string' && (value === undefined || typeof value === 'string');
}

/** True when the body certainly matches metricsSchema (parseBody's quick check). */
export function isMetricsBody(json: unknown): boolean {
  const list = Array.isArray(json) ? json : isRecord(json) && Array.isArray(json['metrics']) ? json['metrics'] : undefined;
  return list !== undefined && list.every(isMetric);
}

/** The numeric value of metric `id`, or undefined when Flink did not report it. */
export function metricValue(body: z.output<typeof metricsSchema>, id: string): number | undefined {
  const list = Array.isArray(body) ? body : body.metrics;
  const raw = list.find((m) => m.id === id)?.value;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}
