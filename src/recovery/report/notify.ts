/**
 * Optional outcome notifications, posted as alerts to Alertmanager's /api/v2/alerts so the team's existing
 * routes (Slack, email, chat webhooks) carry them. We write no notifiers of our own. A failed post is logged
 * and forgotten: telling people must never hold up or break a recovery.
 */
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import { errorMessage } from '../../errors.js';

type NotifyConfig = NonNullable<Config['recovery']['notify']>;

export interface OutcomeNotice {
  readonly kind: 'recovered' | 'attempt_failed' | 'exhausted';
  readonly cluster: string;
  readonly jobName: string;
  readonly episode: string;
  readonly attempts: number;
  readonly attempt?: number;
  readonly restoreFrom?: string;
  readonly restorePath?: string;
  readonly jobId?: string;
  readonly reason?: string;
  /** Flink's root exception of the newest failed instance: its class, first lines and failure labels. */
  readonly rootException?: string;
  readonly rootCause?: string;
  readonly failureLabels?: Readonly<Record<string, string>>;
  readonly at: number;
}

export interface Notifier {
  /** Sends a notice; never rejects. */
  notify(notice: OutcomeNotice): Promise<void>;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ ok: boolean; status: number }>;

const SEVERITY = { recovered: 'info', attempt_failed: 'warning', exhausted: 'critical' } as const;
/** How long the posted alert fires: long enough to be routed once, short enough to resolve on its own. */
const FIRING_MS = { recovered: 5 * 60_000, attempt_failed: 15 * 60_000, exhausted: 60 * 60_000 } as const;

/** The Alertmanager v2 alert of a notice; labels make each episode's attempt a distinct alert. */
export function noticeAlert(n: OutcomeNotice): Record<string, unknown> {
  const annotations: Record<string, string> = {
    summary: `${n.cluster}/${n.jobName}: recovery ${n.kind.replace('_', ' ')}`,
    attempts: String(n.attempts),
  };
  if (n.restoreFrom !== undefined) annotations.restore_from = n.restoreFrom;
  if (n.restorePath !== undefined) annotations.restore_point = n.restorePath;
  if (n.jobId !== undefined) annotations.job_id = n.jobId;
  if (n.reason !== undefined) annotations.reason = n.reason;
  if (n.rootException !== undefined) annotations.root_exception = n.rootException;
  if (n.rootCause !== undefined) annotations.root_cause = n.rootCause;
  if (n.failureLabels !== undefined && Object.keys(n.failureLabels).length > 0) {
    annotations.failure_labels = Object.entries(n.failureLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
  }
  return {
    labels: {
      alertname: 'FlinkRecoveryOutcome',
      cluster: n.cluster,
      job_name: n.jobName,
      outcome: n.kind,
      episode: n.episode,
      attempt: String(n.attempt ?? n.attempts),
      severity: SEVERITY[n.kind],
    },
    annotations,
    startsAt: new Date(n.at).toISOString(),
    endsAt: new Date(n.at + FIRING_MS[n.kind]).toISOString(),
  };
}

/** The Authorization header of the notify configuration, if any. */
export function notifyAuthHeader(config: Pick<NotifyConfig, 'bearerToken' | 'basicAuth'>): string | undefined {
  if (config.bearerToken !== undefined) return `Bearer ${config.bearerToken}`;
  if (config.basicAuth !== undefined) {
    return `Basic ${Buffer.from(`${config.basicAuth.username}:${config.basicAuth.password}`).toString('base64')}`;
  }
  return undefined;
}

/** Posts notices to every configured Alertmanager peer (Alertmanager deduplicates). */
export class AlertmanagerNotifier implements Notifier {
  constructor(
    private readonly config: NotifyConfig,
    private readonly logger: Logger,
    private readonly fetchFn: FetchLike = fetch,
  ) {}

  async notify(notice: OutcomeNotice): Promise<void> {
    const body = JSON.stringify([noticeAlert(notice)]);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const auth = notifyAuthHeader(this.config);
    if (auth !== undefined) headers.authorization = auth;
    await Promise.all(
      this.config.alertmanagerUrls.map(async (base) => {
        const url = `${base.replace(/\/+$/, '')}/api/v2/alerts`;
        try {
          const res = await this.fetchFn(url, {
            method: 'POST',
            headers,
            body,
            signal: AbortSignal.timeout(this.config.timeout),
          });
          if (!res.ok)
            this.logger.warn(
              { url, status: res.status, outcome: notice.kind },
              'alertmanager refused the recovery notice',
            );
        } catch (err) {
          this.logger.warn({ url, err: errorMessage(err), outcome: notice.kind }, 'cannot post the recovery notice');
        }
      }),
    );
  }
}
