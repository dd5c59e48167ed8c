/**
 * Scrape-time collection: every cluster is collected concurrently into a snapshot, the snapshots are mapped
 * to families by a pure function and rendered by us (like Go's const metrics), so a vanished job leaves no
 * series and two concurrent scrapes cannot see each other's half-written values. Self metrics (duration,
 * errors) go through prom-client on the service registry.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { ExporterConfig, JobSpec } from '../config/schema.js';
import type { FlinkApi } from '../flink/api.js';
import type { Logger } from '../log.js';
import type { JobMemory } from '../state/job-memory.js';
import { collectCluster } from './collect.js';
import { scrapeDeadlineMs } from './deadline.js';
import { InstanceCache } from './instance-cache.js';
import { mapSnapshot, type MemoryLookup, type NameMemo } from './map.js';
import { sightings } from './remember.js';
import type { JobSighting } from '../state/job-memory.js';
import { KeptText, renderChunks, textOf } from './render.js';
import type { ClusterSnapshot } from './snapshot.js';

export interface ExporterDeps {
  readonly clients: readonly FlinkApi[];
  readonly catalog: readonly JobSpec[];
  readonly memory: JobMemory;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: Registry;
  /** The scrape deadline's settings. */
  readonly config: ExporterConfig;
}

export class Exporter {
  private readonly caches = new Map<string, InstanceCache>();
  private readonly duration: Gauge<'cluster'>;
  private readonly errors: Counter<'cluster'>;
  private readonly lookup: MemoryLookup;
  private readonly names: NameMemo = new WeakMap();
  /** The families' text as last rendered, written again while their rows are the same. */
  private readonly kept = new KeptText();
  /** What each cluster's last scrape told the job memory; handed back to it when nothing changed. */
  private readonly told = new Map<string, ReadonlyMap<string, JobSighting>>();

  constructor(private readonly deps: ExporterDeps) {
    this.duration = new Gauge({
      name: 'flink_guardian_scrape_duration_seconds',
      help: 'How long collecting the cluster took in the last scrape',
      labelNames: ['cluster'],
      registers: [deps.registry],
    });
    this.errors = new Counter({
      name: 'flink_guardian_scrape_errors_total',
      help: 'Failed collections of the cluster (unreachable, past the scrape deadline, or some per-job calls failed)',
      labelNames: ['cluster'],
      registers: [deps.registry],
    });
    for (const client of deps.clients) {
      this.caches.set(client.cluster, new InstanceCache());
      // Pre-created so `rate()` sees the first error, and so dashboards show 0 rather than no data.
      this.errors.labels({ cluster: client.cluster }).inc(0);
    }
    this.lookup = (cluster, jobName) => deps.memory.get(cluster, jobName);
  }

  /** Collects every cluster and returns the exposition text of the exporter's families. */
  async collect(scrapeTimeoutHeader?: string): Promise<string> {
    return textOf(await this.collectChunks(scrapeTimeoutHeader));
  }

  /**
   * Collects every cluster within the scrape deadline (from Prometheus' `X-Prometheus-Scrape-Timeout-Seconds`,
   * when given); the exposition text is rendered piece by piece as the result is iterated.
   *
   * Nothing is rendered before every per-job call has answered, although the families of the job list alone
   * (state, up, info) could be written while those calls run. Tried against the benchmark's floor, that was not
   * faster, and its peak memory was far higher: the render's garbage during the calls made V8 promote the
   * requests in flight into the old generation.
   */
  async collectChunks(scrapeTimeoutHeader?: string): Promise<Iterable<string | Uint8Array>> {
    const signal = AbortSignal.timeout(scrapeDeadlineMs(scrapeTimeoutHeader, this.deps.config));
    // Every request in flight of the scrape listens on this one signal.
    setMaxListeners(0, signal);
    const snapshots = await Promise.all(this.deps.clients.map((client) => this.collectOne(client, signal)));
    return renderChunks(mapSnapshot(snapshots, this.deps.catalog, this.lookup, this.names), this.kept);
  }

  private cacheOf(cluster: string): InstanceCache {
    let cache = this.caches.get(cluster);
    if (cache === undefined) {
      cache = new InstanceCache();
      this.caches.set(cluster, cache);
    }
    return cache;
  }

  private async collectOne(client: FlinkApi, signal: AbortSignal): Promise<ClusterSnapshot> {
    const { logger, memory, clock } = this.deps;
    const cluster = client.cluster;
    const started = performance.now();
    const snapshot = await collectCluster(client, this.cacheOf(cluster), signal);
    this.duration.labels({ cluster }).set((performance.now() - started) / 1000);
    if (!snapshot.ok) {
      this.errors.labels({ cluster }).inc();
      logger.warn({ cluster, err: snapshot.error }, 'Flink cluster did not answer the scrape');
      return snapshot;
    }
    if (snapshot.errors.length > 0) {
      this.errors.labels({ cluster }).inc();
      logger.warn(
        { cluster, failed: snapshot.errors.length, first: snapshot.errors[0]?.message },
        'some per-job Flink calls failed; those jobs have fewer series this scrape',
      );
    }
    try {
      const seen = sightings(snapshot, this.lookup, this.told.get(cluster));
      this.told.set(cluster, seen);
      await memory.record(cluster, seen, clock.now());
    } catch (err) {
      // Losing one memory update must not cost the scrape; the next scrape writes again.
      logger.error({ cluster, err }, 'cannot record job memory');
    }
    return snapshot;
  }
}
