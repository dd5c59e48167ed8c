/**
 * `GET /jobs/:jobid/metrics?get=...`. The real body is a bare array `[{"id": "...", "value": "..."}]`
 * (Flink's OpenAPI spec says `{"metrics": [...]}`, which is accepted too). A metric Flink has not fetched is absent.
 */
import { z } from 'zod';
import type { JobMetrics } from '../types.js';

/** The job metrics `toJobMetrics` reads, in the order of the `get` parameter. */
export const JOB_METRIC_IDS = [
  'numRestarts',
  'numberOfCompletedCheckpoints',
  'numberOfFailedCheckpoints',
  'numberOfInProgressCheckpoints',
] as const;

const metricSchema = z.object({ id: z.string(), value: z.string().optional() });

export const metricsSchema = z.union([z.array(metricSchema), z.object({ metrics: z.array(metricSchema) })]);

/** The job metrics of one `GET /jobs/:id/metrics?get=<JOB_METRIC_IDS>` body. */
export function toJobMetrics(body: z.output<typeof metricsSchema>): JobMetrics {
  const completed = metricValue(body, 'numberOfCompletedCheckpoints');
  const failed = metricValue(body, 'numberOfFailedCheckpoints');
  const inProgress = metricValue(body, 'numberOfInProgressCheckpoints');
  return {
    restarts: metricValue(body, 'numRestarts'),
    checkpoints:
      completed === undefined || failed === undefined || inProgress === undefined
        ? undefined
        : { completed, failed, inProgress },
  };
}

/** The numeric value of metric `id`, or undefined when Flink did not report it. */
export function metricValue(body: z.output<typeof metricsSchema>, id: string): number | undefined {
  const list = Array.isArray(body) ? body : body.metrics;
  const raw = list.find((m) => m.id === id)?.value;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}
