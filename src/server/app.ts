/** The express application: /metrics, /healthz, /readyz, and the routers of the other roles. */
import express, { type Router } from 'express';
import { EXPOSITION_CONTENT_TYPE } from '../exporter/render.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * Anything that renders exposition text at scrape time (the exporter): the whole text, or pieces that are
 * rendered as they are iterated and written to the response one at a time. It is given Prometheus'
 * `X-Prometheus-Scrape-Timeout-Seconds`, when the scraper sent one, and answers within it.
 */
export interface ScrapeSource {
  collect(scrapeTimeoutHeader: string | undefined): Promise<string | Iterable<string | Uint8Array>>;
}

/** Writes `chunks` to `res`, waiting for the client when its buffer is full; false when the client went away. */
async function writeAll(res: express.Response, chunks: Iterable<string | Uint8Array>): Promise<boolean> {
  for (const chunk of chunks) {
    if (res.destroyed) return false;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  return !res.destroyed;
}

export interface AppDeps {
  readonly scrape: ScrapeSource;
  /**
   * The exposition text of the service's own and the recoverer's metrics (prom-client), after the exporter's; in
   * pieces written one after another, so a large cached piece is written as it is, not copied into a joined text
   * (a piece may be the text's UTF-8 bytes, kept encoded).
   */
  readonly ownMetrics: () => Promise<string | readonly (string | Uint8Array)[]>;
  readonly routers: readonly Router[];
  /** Asked at every /readyz; may look at something (the state directory), within a bounded time. */
  readonly isReady: () => boolean | Promise<boolean>;
  readonly logger: Logger;
}

/** Builds the HTTP application; it holds no state of its own. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/metrics', async (req, res) => {
    try {
      // Collect first: the collection updates self metrics (scrape duration, errors) this scrape must show.
      const exported = await deps.scrape.collect(req.get('x-prometheus-scrape-timeout-seconds'));
      const own = await deps.ownMetrics();
      const ownPieces = typeof own === 'string' ? [own] : own;
      res.set('Content-Type', EXPOSITION_CONTENT_TYPE);
      const pieces = typeof exported === 'string' ? [exported] : exported;
      if ((await writeAll(res, pieces)) && (await writeAll(res, ownPieces))) res.end();
    } catch (err) {
      deps.logger.error({ err }, 'scrape failed');
      // Once part of the text is out, a 500 cannot be sent: cut the response so the scrape counts as failed.
      if (res.headersSent) res.destroy(err as Error);
      else res.status(500).type('text/plain').send('scrape failed\n');
    }
  });
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', async (_req, res) => {
    let ready = false;
    try {
      ready = await deps.isReady();
    } catch (err) {
      deps.logger.error({ err: errorMessage(err) }, 'readiness check failed');
    }
    if (ready) res.type('text/plain').send('ready\n');
    else res.status(503).type('text/plain').send('not ready\n');
  });
  for (const router of deps.routers) app.use(router);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  return app;
}
