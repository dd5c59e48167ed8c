/** The express application: /metrics, /healthz, /readyz, and the routers of the other roles. */
import express, { type Router } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';

/** Anything that renders exposition text at scrape time (the exporter). */
export interface ScrapeSource {
  collect(): Promise<string>;
}

export interface AppDeps {
  readonly scrape: ScrapeSource;
  /** Self and recoverer metrics (prom-client). */
  readonly registry: Registry;
  readonly routers: readonly Router[];
  readonly isReady: () => boolean;
  readonly logger: Logger;
}

/** Builds the HTTP application; it holds no state of its own. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/metrics', async (_req, res) => {
    try {
      // Collect first: the collection updates self metrics (scrape duration, errors) this scrape must show.
      const exported = await deps.scrape.collect();
      const own = await deps.registry.metrics();
      res.set('Content-Type', deps.registry.contentType).send(exported + own);
    } catch (err) {
      deps.logger.error({ err }, 'scrape failed');
      res.status(500).type('text/plain').send('scrape failed\n');
    }
  });
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    if (deps.isReady()) res.type('text/plain').send('ready\n');
    else res.status(503).type('text/plain').send('not ready\n');
  });
  for (const router of deps.routers) app.use(router);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  return app;
}
