/**
 * `GET /jobs/:jobid/metrics?get=...`. The real body is a bare array `[{"id": "...", "value": "..."}]`
 * (Flink's OpenAPI spec says `{"metrics": [...]}`, which is accepted too). A metric Flink has not fetched is absent.
 */
import { z } from 'zod';

const metricSchema = z.object({ id: z.string(), value: z.string().optional() });

export const metricsSchema = z.union([z.array(metricSchema), z.object({ metrics: z.array(metricSchema) })]);

/** The numeric value of metric `id`, or undefined when Flink did not report it. */
export function metricValue(body: z.output<typeof metricsSchema>, id: string): number | undefined {
  const list = Array.isArray(body) ? body : body.metrics;
  const raw = list.find((m) => m.id === id)?.value;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}
