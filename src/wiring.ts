/**
 * The one place that builds flink-guardian's parts and passes them to each other. Nothing else creates
 * clients, registries or stores, so tests can build any part on its own with fakes.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from './clock.js';
import type { Config } from './config/schema.js';
import { errorMessage } from './errors.js';
import { Exporter } from './exporter/exporter.js';
import type { FlinkApi } from './flink/api.js';
import { createFlinkClient } from './flink/client.js';
import type { Logger } from './log.js';
import { renderRegistry } from './recovery/report/job-series.js';
import { Recoverer } from './recovery/recoverer.js';
import { createApp } from './server/app.js';
import { CachedText } from './server/cached-text.js';
import { startServer, type RunningServer } from './server/http-server.js';
import type { WebConfig } from './server/web-config.js';
import { createWebGuard } from './server/web-guard.js';
import { jobKey } from './recovery/store/episodes.js';
import { FileJobMemory } from './state/job-memory-file.js';
import { WritableProbe } from './state/writable-probe.js';
import { checkCredentials } from './webhook/auth.js';
import { createWebhookRouter } from './webhook/router.js';

export interface ServiceDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly version: string;
  /** Start with empty state when a state file is corrupt, instead of refusing to start. */
  readonly startEmpty?: boolean;
  /** The loaded `--web.config.file`: TLS, client certificates and basic auth in front of every endpoint. */
  readonly web?: WebConfig;
  /** Replace the Flink clients (tests). */
  readonly clients?: readonly FlinkApi[];
}

export interface Service {
  readonly registry: Registry;
  /** Starts listening and the recoverer's own schedule; resolves with the bound address. */
  start(): Promise<string>;
  /** Graceful stop: finish in-flight requests and recoveries, close pools. */
  stop(): Promise<void>;
}

/** Builds every part from a validated configuration; opens the state (and fails on a corrupt file). */
export async function buildService(config: Config, deps: ServiceDeps): Promise<Service> {
  const { logger, clock } = deps;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'flink_guardian_build_info',
    help: 'flink-guardian build; always 1',
    labelNames: ['version'],
    registers: [registry],
  })
    .labels({ version: deps.version })
    .set(1);

  const clients = deps.clients ?? config.clusters.map((cluster) => createFlinkClient(cluster, { logger }));
  const catalog = new Set(config.jobs.map((job) => jobKey(job.cluster, job.name)));
  const memory = await FileJobMemory.open(config.stateDir, {
    startEmpty: deps.startEmpty ?? false,
    logger,
    keep: (cluster, jobName) => catalog.has(jobKey(cluster, jobName)),
  });
  const stateWritable = new WritableProbe(config.stateDir, { clock, logger });
  const exporter = new Exporter({
    clients,
    catalog: config.jobs,
    memory,
    clock,
    logger,
    registry,
    config: config.exporter,
  });
  // The recoverer's series (26 per catalog job) change only when it acts: their text is kept until then, as the
  // bytes the response sends, so that a scrape does not encode the same text again.
  const recoveryRegistry = new Registry();
  const recoveryText = new CachedText(async () => Buffer.from(await renderRegistry(recoveryRegistry)));
  const recoverer = await Recoverer.create({
    config,
    clients: new Map(clients.map((c) => [c.cluster, c])),
    memory,
    clock,
    logger,
    registry: recoveryRegistry,
    onMetricsChange: () => recoveryText.invalidate(),
    startEmpty: deps.startEmpty ?? false,
  });
  let ready = false;
  const app = createApp({
    // Streamed: the exposition is written to the response as it is rendered.
    scrape: { collect: (scrapeTimeoutHeader) => exporter.collectChunks(scrapeTimeoutHeader) },
    ownMetrics: async () => [await registry.metrics(), await recoveryText.get()],
    routers: [createWebhookRouter({ config: config.webhook, recoverer, registry, logger })],
    isReady: async () => ready && (await stateWritable.writable()),
    logger,
  });

  let server: RunningServer | undefined;
  return {
    registry,
    async start() {
      const web = deps.web;
      server = await startServer(app, config.listen, {
        ...(config.tls !== undefined ? { tls: config.tls } : {}),
        ...(web !== undefined
          ? {
              web,
              guard: createWebGuard({
                web,
                delegate: (req) => checkCredentials(req.headers.authorization, config.webhook),
              }),
              onRefusedClient: (reason, remote) => logger.warn({ reason, remote }, 'TLS client refused'),
            }
          : {}),
      });
      await recoverer.start();
      ready = true;
      logger.info(
        { address: server.address, clusters: config.clusters.length, jobs: config.jobs.length },
        'flink-guardian serving',
      );
      return server.address;
    },
    async stop() {
      ready = false;
      await server?.close();
      await recoverer.stop();
      await Promise.all(clients.map((c) => c.close()));
      // The latest `seenAt` of every job is only in memory between periodic writes.
      await memory.flush().catch((err: unknown) => {
        logger.error({ err: errorMessage(err), file: memory.file }, 'cannot write the job memory at shutdown');
      });
    },
  };
}
