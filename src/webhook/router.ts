/**
 * POST /alertmanager and the recoveries API. The webhook answers as soon as the alerts are handed to the
 * recoverer: recovery never runs inside the request, because Alertmanager gives up on slow receivers and its
 * HA peers then send duplicates.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { WebhookConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { IncomingAlert } from '../recovery/decide/screen.js';
import type { AcceptResult, PauseResult, ResetResult } from '../recovery/recoverer.js';
import type { Pause } from '../recovery/store/pauses.js';
import type { Episode } from '../recovery/model/episode-schema.js';
import { checkCredentials } from './auth.js';
import { cutText, readPayload } from './payload.js';
import { errorMessage } from '../errors.js';

/** What the router needs of the recoverer. */
export interface RecoveriesPort {
  accept(alerts: readonly IncomingAlert[]): AcceptResult;
  episodes(): Episode[];
  reset(cluster: string, jobName: string): Promise<ResetResult>;
  /** Pause and resume (optional so a port without them still serves the rest; their routes then answer 404). */
  paused?(): Pause[];
  pause?(cluster: string, jobName: string): Promise<PauseResult>;
  resume?(cluster: string, jobName: string): Promise<PauseResult>;
}

export interface WebhookDeps {
  readonly config: WebhookConfig;
  readonly recoverer: RecoveriesPort;
  readonly registry: Registry;
  readonly logger: Logger;
}

const REQUESTS = 'flink_guardian_webhook_requests_total';

function requestCounter(registry: Registry): Counter<'code'> {
  const existing = registry.getSingleMetric(REQUESTS);
  if (existing !== undefined) return existing as Counter<'code'>;
  return new Counter({
    name: REQUESTS,
    help: 'Alertmanager webhook requests by HTTP status',
    labelNames: ['code'],
    registers: [registry],
  });
}

/** Builds the router serving POST /alertmanager, GET /api/v1/recoveries and POST .../reset. */
export function createWebhookRouter(deps: WebhookDeps): Router {
  const router = express.Router();
  const requests = requestCounter(deps.registry);
  const log = deps.logger.child({ component: 'webhook' });

  const countCodes = (_req: Request, res: Response, next: NextFunction): void => {
    res.on('finish', () => requests.inc({ code: String(res.statusCode) }));
    next();
  };
  // Credentials are checked before the body is read, so an unauthenticated client cannot make us parse a body.
  const authenticate = (req: Request, res: Response, next: NextFunction): void => {
    if (checkCredentials(req.headers.authorization, deps.config)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', deps.config.bearerToken !== undefined ? 'Bearer' : 'Basic realm="flink-guardian"');
    res.status(401).json({ error: 'missing or invalid credentials' });
  };
  // Alertmanager always sends JSON; accepting any content type spares a 400 on a proxy that rewrites it. The
  // body is taken raw so that its alerts are counted before JSON.parse builds them (readPayload).
  const raw = express.raw({ limit: deps.config.maxBodyBytes, type: () => true });
  const limits = { maxAlerts: deps.config.maxAlerts, maxLabelValueLength: deps.config.maxLabelValueLength };
  // Group keys and receivers are logged, not kept: cut like labels, so one line stays one line.
  const short = (text: string | undefined): string | null =>
    text === undefined ? null : cutText(text, limits.maxLabelValueLength);

  router.post('/alertmanager', countCodes, authenticate, raw, (req: Request, res: Response) => {
    const parsed = readPayload(req.body, limits);
    if (!parsed.ok) {
      log.warn({ issues: parsed.issues }, 'webhook body is not a valid version-4 payload');
      res.status(400).json({ error: 'not a valid Alertmanager webhook payload (version 4)', issues: parsed.issues });
      return;
    }
    const { payload } = parsed;
    if ((payload.truncatedAlerts ?? 0) > 0) {
      log.warn(
        { truncated: payload.truncatedAlerts, group: short(payload.groupKey) },
        'alertmanager truncated the alert list (max_alerts)',
      );
    }
    if (parsed.cut > 0) {
      log.warn(
        { cut: parsed.cut, max_length: limits.maxLabelValueLength, group: short(payload.groupKey) },
        'label or annotation names or values longer than webhook.maxLabelValueLength were cut',
      );
    }
    const alerts: IncomingAlert[] = payload.alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      ...(a.startsAt === undefined ? {} : { startsAt: a.startsAt }),
      ...(a.fingerprint === undefined ? {} : { fingerprint: a.fingerprint }),
    }));
    let result: AcceptResult;
    try {
      result = deps.recoverer.accept(alerts);
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'cannot accept alerts');
      result = { ok: false, reason: 'not_running' };
    }
    if (!result.ok) {
      // A redelivery (Alertmanager retries 5xx) or another replica can still take these alerts.
      res.status(503).set('Retry-After', '5').json({ error: 'not accepting alerts right now', reason: result.reason });
      return;
    }
    // One line per delivered notification: when Alertmanager reached us, and with what (the audit trail starts here).
    log.info(
      {
        receiver: short(payload.receiver),
        status: payload.status,
        group: short(payload.groupKey),
        alerts: result.alerts,
        considered: result.considered,
      },
      'alertmanager notification accepted',
    );
    res.status(200).json({ status: 'accepted', alerts: result.alerts, considered: result.considered });
  });

  router.get('/api/v1/recoveries', authenticate, (_req: Request, res: Response) => {
    res.json({ episodes: deps.recoverer.episodes(), paused: deps.recoverer.paused?.() ?? [] });
  });

  for (const action of ['pause', 'resume'] as const) {
    router.post(
      `/api/v1/recoveries/:cluster/:job_name/${action}`,
      authenticate,
      async (req: Request, res: Response) => {
        const cluster = String(req.params.cluster);
        const jobName = String(req.params.job_name);
        const port = deps.recoverer;
        const act = action === 'pause' ? port.pause?.bind(port) : port.resume?.bind(port);
        if (act === undefined) {
          res.status(404).json({ error: `${action} is not served here` });
          return;
        }
        try {
          const result = await act(cluster, jobName);
          switch (result.kind) {
            case 'paused':
              log.info({ cluster, job_name: jobName }, 'recovery paused through the API');
              res.json({ status: 'paused', pause: result.pause });
              return;
            case 'resumed':
              log.info({ cluster, job_name: jobName }, 'recovery resumed through the API');
              res.json({ status: 'resumed' });
              return;
            case 'not_paused':
              res.status(409).json({ error: `${cluster}/${jobName} is not paused` });
              return;
            case 'unknown_job':
              res.status(404).json({ error: `${cluster}/${jobName} is not a job of the catalog` });
              return;
          }
        } catch (err) {
          log.error({ cluster, job_name: jobName, err: errorMessage(err) }, `cannot ${action} the recovery`);
          res.status(500).json({ error: `cannot ${action}: ${errorMessage(err)}` });
        }
      },
    );
  }

  router.post('/api/v1/recoveries/:cluster/:job_name/reset', authenticate, async (req: Request, res: Response) => {
    const cluster = String(req.params.cluster);
    const jobName = String(req.params.job_name);
    const result = await deps.recoverer.reset(cluster, jobName);
    switch (result.kind) {
      case 'reset':
        log.info({ cluster, job_name: jobName, episode: result.episode.id }, 'exhausted episode reset through the API');
        res.json({ status: 'reset', episode: result.episode });
        return;
      case 'not_found':
        res.status(404).json({ error: `no episode for ${cluster}/${jobName}` });
        return;
      case 'not_exhausted':
        res.status(409).json({
          error: `the episode of ${cluster}/${jobName} is ${result.episode.status}, not exhausted`,
          episode: result.episode,
        });
        return;
    }
  });

  // Body-parser failures: size, syntax, encoding. Anything else is ours, and a redelivery may help.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
    const status = e.status ?? e.statusCode ?? 500;
    if (e.type === 'entity.too.large' || status === 413) {
      res.status(413).json({ error: `body larger than ${deps.config.maxBodyBytes} bytes` });
      return;
    }
    if (status >= 400 && status < 500) {
      res.status(status).json({ error: `invalid body: ${e.message ?? 'unreadable'}` });
      return;
    }
    log.error({ err: e.message }, 'webhook request failed');
    res.status(500).json({ error: 'internal error' });
  });

  return router;
}
