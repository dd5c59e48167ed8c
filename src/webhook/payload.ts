/**
 * Alertmanager's webhook body, payload version 4. Objects are loose: newer Alertmanagers add fields
 * (notification_reason since 0.32) and a receiver that refused them would lose alerts on every upgrade.
 * What one body may make the service hold is bounded: the alerts it carries, the members of each object, and
 * the length of every label and annotation.
 */
import { z } from 'zod';
import { errorMessage, formatIssue, zodIssues } from '../errors.js';
import { countBody } from './scan.js';

const labelSet = z.record(z.string(), z.string());
// Alertmanager sends 16 hex digits and RFC 3339 times; the episode's identity is built from these two.
const fingerprint = z.string().max(64);
const timestamp = z.string().max(64);

export const webhookAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.optional(),
  startsAt: timestamp.optional(),
  endsAt: timestamp.optional(),
  generatorURL: z.string().optional(),
  fingerprint: fingerprint.optional(),
});

export const webhookPayloadSchema = z.looseObject({
  version: z.literal('4', { message: 'expected "4": only webhook payload version 4 is understood' }),
  groupKey: z.string().optional(),
  truncatedAlerts: z.int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  groupLabels: labelSet.optional(),
  commonLabels: labelSet.optional(),
  commonAnnotations: labelSet.optional(),
  externalURL: z.string().optional(),
  alerts: z.array(webhookAlertSchema),
});

export type WebhookPayload = z.output<typeof webhookPayloadSchema>;
export type WebhookAlert = z.output<typeof webhookAlertSchema>;

/** The bounds of one body (`webhook.maxAlerts`, `webhook.maxLabelValueLength`). */
export interface PayloadLimits {
  readonly maxAlerts: number;
  readonly maxLabelValueLength: number;
}

/**
 * Members of one object of a body. A Prometheus alert has tens of labels; a label set of junk names that still
 * fits the body limit would cost the event loop a noticeable pause to validate.
 */
export const MAX_OBJECT_MEMBERS = 256;

const ISSUE_LENGTH = 512;

export type PayloadResult =
  | {
      readonly ok: true;
      readonly payload: WebhookPayload;
      /** Label and annotation names and values that were cut to the length limit. */
      readonly cut: number;
    }
  | { readonly ok: false; readonly issues: readonly string[] };

/**
 * A label or annotation cut to `max` characters, marked with a trailing `…`. The cut value is longer than any
 * name the configuration accepts (catalog job and cluster names are at most `max`), so it can never be taken
 * for a job that flink-guardian recovers, and the same alert is always cut the same way.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never split a surrogate pair: half a character is not valid UTF-8 in a log line.
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

function cutLabels(labels: Record<string, string>, max: number): number {
  let cut = 0;
  for (const [name, value] of Object.entries(labels)) {
    if (name.length <= max && value.length <= max) continue;
    cut++;
    delete labels[name];
    labels[cutText(name, max)] = cutText(value, max);
  }
  return cut;
}

/** Cuts every label and annotation of a validated payload to the length limit, in place. */
function cutPayload(payload: WebhookPayload, max: number): number {
  let cut = 0;
  const sets = [payload.groupLabels, payload.commonLabels, payload.commonAnnotations];
  for (const alert of payload.alerts) sets.push(alert.labels, alert.annotations);
  for (const set of sets) if (set !== undefined) cut += cutLabels(set, max);
  return cut;
}

/** Validates a parsed JSON body; the issues say what is wrong and where (`alerts[0].status: ...`). */
export function parsePayload(body: unknown, limits?: PayloadLimits): PayloadResult {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, issues: ['(root): expected a JSON object (Alertmanager webhook payload version 4)'] };
  }
  if (limits !== undefined) {
    const alerts = (body as { alerts?: unknown }).alerts;
    if (Array.isArray(alerts) && alerts.length > limits.maxAlerts) {
      return { ok: false, issues: [tooManyAlerts(alerts.length, limits.maxAlerts)] };
    }
  }
  const parsed = webhookPayloadSchema.safeParse(body);
  if (!parsed.success) {
    // An issue names its path, which holds label names of any length.
    const issues = zodIssues(parsed.error)
      .slice(0, 20)
      .map((issue) => cutText(formatIssue(issue), ISSUE_LENGTH));
    return { ok: false, issues };
  }
  const cut = limits === undefined ? 0 : cutPayload(parsed.data, limits.maxLabelValueLength);
  return { ok: true, payload: parsed.data, cut };
}

function tooManyAlerts(count: number, max: number): string {
  return (
    `alerts: ${count} alerts in one body, at most ${max} (webhook.maxAlerts); ` +
    `group the route by cluster and job_name, or set max_alerts: ${max} in its webhook_configs`
  );
}

/**
 * Reads a raw body: its alerts and objects are counted before anything is built from it, so a body over the
 * limits is refused without parsing it; then JSON, then the schema.
 */
export function readPayload(raw: unknown, limits: PayloadLimits): PayloadResult {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return parsePayload(undefined, limits);
  const counts = countBody(raw);
  if (counts.alerts > limits.maxAlerts) return { ok: false, issues: [tooManyAlerts(counts.alerts, limits.maxAlerts)] };
  if (counts.widest.members > MAX_OBJECT_MEMBERS) {
    const { members, where } = counts.widest;
    return { ok: false, issues: [`${where}: an object of ${members} members, at most ${MAX_OBJECT_MEMBERS}`] };
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return { ok: false, issues: [`(root): not valid JSON: ${errorMessage(err)}`] };
  }
  return parsePayload(body, limits);
}
