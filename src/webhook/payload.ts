/**
 * Alertmanager's webhook body, payload version 4. Objects are loose: newer Alertmanagers add fields
 * (notification_reason since 0.32) and a receiver that refused them would lose alerts on every upgrade.
 */
import { z } from 'zod';
import { formatIssue, zodIssues } from '../errors.js';

const labelSet = z.record(z.string(), z.string());

export const webhookAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
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

export type PayloadResult =
  | { readonly ok: true; readonly payload: WebhookPayload }
  | { readonly ok: false; readonly issues: readonly string[] };

/** Validates a parsed JSON body; the issues say what is wrong and where (`alerts[0].status: ...`). */
export function parsePayload(body: unknown): PayloadResult {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, issues: ['(root): expected a JSON object (Alertmanager webhook payload version 4)'] };
  }
  const parsed = webhookPayloadSchema.safeParse(body);
  if (parsed.success) return { ok: true, payload: parsed.data };
  return {
    ok: false,
    issues: zodIssues(parsed.error).slice(0, 20).map(formatIssue),
  };
}
