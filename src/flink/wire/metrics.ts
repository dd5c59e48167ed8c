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

type MetricWire = z.output<typeof metricSchema>;

/** The number a metric's value says, or undefined when it is absent or not a finite number. */
function numberOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

type JobMetricId = (typeof JOB_METRIC_IDS)[number];

const JOB_METRIC_ID_SET: ReadonlySet<string> = new Set(JOB_METRIC_IDS);

/** The job metrics of a list of metrics; a metric listed twice counts the first time, with a value or without. */
function metricsOf(list: readonly MetricWire[]): JobMetrics {
  const raw: Partial<Record<JobMetricId, string | undefined>> = {};
  for (const { id, value } of list) {
    if (JOB_METRIC_ID_SET.has(id) && !(id in raw)) raw[id as JobMetricId] = value;
  }
  const completed = numberOf(raw.numberOfCompletedCheckpoints);
  const failed = numberOf(raw.numberOfFailedCheckpoints);
  const inProgress = numberOf(raw.numberOfInProgressCheckpoints);
  return {
    restarts: numberOf(raw.numRestarts),
    checkpoints:
      completed === undefined || failed === undefined || inProgress === undefined
        ? undefined
        : { completed, failed, inProgress },
  };
}

/** The job metrics of one `GET /jobs/:id/metrics?get=<JOB_METRIC_IDS>` body. */
export function toJobMetrics(body: z.output<typeof metricsSchema>): JobMetrics {
  return metricsOf(Array.isArray(body) ? body : body.metrics);
}

/** Whether a parsed entry is one `metricSchema` accepts as it is (it only drops members it does not read). */
function isMetric(entry: unknown): entry is MetricWire {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return false;
  const { id, value } = entry as { id?: unknown; value?: unknown };
  return typeof id === 'string' && (value === undefined || typeof value === 'string');
}

/**
 * The job metrics of a parsed body in the form Flink sends (a bare array), read without the schema: it is
 * asked for every running job at every scrape, and the schema's copy of every entry was garbage of each one.
 * Undefined for any other body: the caller validates that with `metricsSchema`, for its value or its error.
 */
export function readJobMetrics(json: unknown): JobMetrics | undefined {
  if (!Array.isArray(json)) return undefined;
  for (const entry of json) if (!isMetric(entry)) return undefined;
  return metricsOf(json);
}

/** The numeric value of metric `id`, or undefined when Flink did not report it. */
export function metricValue(body: z.output<typeof metricsSchema>, id: string): number | undefined {
  const list = Array.isArray(body) ? body : body.metrics;
  return numberOf(list.find((m) => m.id === id)?.value);
}
