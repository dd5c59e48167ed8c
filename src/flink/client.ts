/**
 * The undici implementation of FlinkApi for one cluster. Transport concerns live in http.ts, wire shapes in
 * wire/*.ts; this file maps statuses to outcomes: 404 "checkpointing not enabled" is a value, a refused run is
 * a RunJarResult, anything else unexpected is a FlinkError naming the endpoint.
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { FormData } from 'undici';
import type { z } from 'zod';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { ClusterConfig } from '../config/schema.js';
import { FlinkError, GuardianError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { FlinkApi } from './api.js';
import { FlinkHttp, describe, type HttpRequest, type HttpResponse } from './http.js';
import { runBody } from './run-body.js';
import type {
  CheckpointConfig,
  CheckpointStatsResult,
  ClusterOverview,
  JarInfo,
  JobMetrics,
  JobOverview,
  RootCause,
  RunJarRequest,
  RunJarResult,
} from './types.js';
import {
  checkpointConfigSchema,
  checkpointStatsSchema,
  isCheckpointingDisabled,
  toCheckpointConfig,
  toCheckpointStats,
} from './wire/checkpoints.js';
import { jarIdOf, jarListSchema, jarRunSchema, jarUploadSchema, toJars } from './wire/jars.js';
import { jobsOverviewSchema, reuseJobOverviews, toJobOverviews } from './wire/jobs-overview.js';
import { JOB_METRIC_IDS, metricsSchema, readJobMetrics, toJobMetrics } from './wire/metrics.js';
import { overviewSchema, toClusterOverview } from './wire/overview.js';
import { pickMembers } from './wire/members.js';
import { jobExceptionsSchema, toRootCause } from './wire/exceptions.js';
import { errorsOf, parseBody, parseJson, validateBody } from './wire/parse.js';

export interface FlinkClientOptions {
  readonly logger?: Logger;
  /** Used for the upload time of a freshly uploaded jar. */
  readonly clock?: Clock;
  /** Retry backoff tuning (tests make it short). */
  readonly retryBaseMs?: number;
  readonly retryCapMs?: number;
}

/** Builds the REST client of one cluster: its own keep-alive pool, concurrency bound, credentials and TLS. */
export function createFlinkClient(config: ClusterConfig, options: FlinkClientOptions = {}): FlinkApi {
  return new FlinkClient(config, options);
}

/** Statuses with which Flink refuses a run on purpose; 401/403/429/5xx from a proxy are not about the job. */
const REFUSALS: ReadonlySet<number> = new Set([400, 404, 409, 500]);

const isOk = (status: number) => status >= 200 && status < 300;

/** The tail of every job's metrics request, asked once per running job and scrape: made once. */
const JOB_METRICS_QUERY = `/metrics?get=${JOB_METRIC_IDS.join(',')}`;

/** The members of `/jobs/:id/checkpoints` that checkpointStatsSchema reads; `summary` and `history` are skipped. */
const CHECKPOINT_STATS_MEMBERS: ReadonlySet<string> = new Set(['counts', 'latest']);

class FlinkClient implements FlinkApi {
  readonly cluster: string;
  readonly concurrency: number;
  private readonly http: FlinkHttp;
  private readonly clock: Clock;
  /** The `flink-version` of the last /overview, which picks the run-request dialect. */
  private version: string | undefined;
  /** The instances of the last /jobs/overview by JobID, handed back for entries that did not change. */
  private knownJobs: ReadonlyMap<string, JobOverview> = new Map();
  /** The last /jobs/overview, handed back itself when no entry changed. */
  private lastJobs: readonly JobOverview[] = [];

  constructor(config: ClusterConfig, options: FlinkClientOptions) {
    this.cluster = config.name;
    this.concurrency = config.concurrency;
    this.clock = options.clock ?? systemClock;
    this.http = new FlinkHttp(config, {
      logger: options.logger,
      retryBaseMs: options.retryBaseMs,
      retryCapMs: options.retryCapMs,
    });
  }

  private statusError(req: HttpRequest, res: HttpResponse): FlinkError {
    const first = errorsOf(res.text)[0]?.split('\n')[0] ?? '';
    return new FlinkError(
      'FLINK_HTTP_STATUS',
      this.cluster,
      describe(req),
      `HTTP ${res.status}${first === '' ? '' : `: ${first}`}`,
      {
        status: res.status,
      },
    );
  }

  /** GETs `path` and parses a 2xx body as JSON; other statuses throw. `endpoint` names it in a later error. */
  private async getJson(
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<{ readonly json: unknown; readonly endpoint: () => string }> {
    const req: HttpRequest = { method: 'GET', path, signal };
    const res = await this.http.request(req);
    if (!isOk(res.status)) throw this.statusError(req, res);
    const endpoint = (): string => describe(req);
    return { json: parseJson(res.text, this.cluster, endpoint), endpoint };
  }

  /** GETs `path` and validates a 2xx body; other statuses throw. */
  private async get<S extends z.ZodType>(
    path: string,
    schema: S,
    signal: AbortSignal | undefined,
  ): Promise<z.output<S>> {
    const { json, endpoint } = await this.getJson(path, signal);
    return validateBody(schema, json, this.cluster, endpoint);
  }

  async overview(signal?: AbortSignal): Promise<ClusterOverview> {
    const overview = toClusterOverview(await this.get('/overview', overviewSchema, signal));
    this.version = overview.flinkVersion;
    return overview;
  }

  async jobsOverview(signal?: AbortSignal): Promise<readonly JobOverview[]> {
    const { json, endpoint } = await this.getJson('/jobs/overview', signal);
    const fast = reuseJobOverviews(json, this.knownJobs, this.lastJobs);
    // A body that does not match is validated whole again: the error names the first issue as for any body.
    const jobs = fast.ok ? fast.jobs : toJobOverviews(validateBody(jobsOverviewSchema, json, this.cluster, endpoint));
    if (!fast.ok || fast.reused !== jobs.length || this.knownJobs.size !== jobs.length) {
      this.knownJobs = new Map(jobs.map((job) => [job.jobId, job]));
    }
    this.lastJobs = jobs;
    return jobs;
  }

  async checkpoints(jobId: string, signal?: AbortSignal): Promise<CheckpointStatsResult> {
    const req: HttpRequest = { method: 'GET', path: `/jobs/${encodeURIComponent(jobId)}/checkpoints`, signal };
    const res = await this.http.request(req);
    if (res.status === 404 && isCheckpointingDisabled(errorsOf(res.text))) return { kind: 'disabled' };
    if (!isOk(res.status)) throw this.statusError(req, res);
    const text = pickMembers(res.text, CHECKPOINT_STATS_MEMBERS) ?? res.text;
    return {
      kind: 'enabled',
      stats: toCheckpointStats(parseBody(checkpointStatsSchema, text, this.cluster, () => describe(req))),
    };
  }

  async jobExceptions(jobId: string, signal?: AbortSignal): Promise<RootCause | undefined> {
    return toRootCause(await this.get(`/jobs/${encodeURIComponent(jobId)}/exceptions`, jobExceptionsSchema, signal));
  }

  async checkpointConfig(jobId: string, signal?: AbortSignal): Promise<CheckpointConfig | undefined> {
    const req: HttpRequest = { method: 'GET', path: `/jobs/${encodeURIComponent(jobId)}/checkpoints/config`, signal };
    const res = await this.http.request(req);
    if (res.status === 404 && isCheckpointingDisabled(errorsOf(res.text))) return undefined;
    if (!isOk(res.status)) throw this.statusError(req, res);
    return toCheckpointConfig(parseBody(checkpointConfigSchema, res.text, this.cluster, describe(req)));
  }

  async jobMetrics(jobId: string, signal?: AbortSignal): Promise<JobMetrics> {
    const path = `/jobs/${encodeURIComponent(jobId)}${JOB_METRICS_QUERY}`;
    const { json, endpoint } = await this.getJson(path, signal);
    return readJobMetrics(json) ?? toJobMetrics(validateBody(metricsSchema, json, this.cluster, endpoint));
  }

  async listJars(signal?: AbortSignal): Promise<readonly JarInfo[]> {
    return toJars(await this.get('/jars', jarListSchema, signal));
  }

  async uploadJar(path: string, signal?: AbortSignal): Promise<JarInfo> {
    const name = basename(path);
    let blob: Blob;
    try {
      blob = await openAsBlob(path, { type: 'application/x-java-archive' });
    } catch (err) {
      throw new GuardianError(
        'JAR_UNAVAILABLE',
        `${this.cluster} POST /jars/upload: cannot read ${path}: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    const form = new FormData();
    form.append('jarfile', blob, name);
    const req: HttpRequest = { method: 'POST', path: '/jars/upload', body: form, signal };
    const res = await this.http.request(req);
    if (!isOk(res.status)) throw this.statusError(req, res);
    const body = parseBody(jarUploadSchema, res.text, this.cluster, describe(req));
    return { id: jarIdOf(body.filename), name, uploadedAt: this.clock.now() };
  }

  async runJar(jarId: string, request: RunJarRequest, signal?: AbortSignal): Promise<RunJarResult> {
    if (this.version === undefined) await this.overview(signal);
    const req: HttpRequest = {
      method: 'POST',
      path: `/jars/${encodeURIComponent(jarId)}/run`,
      body: JSON.stringify(runBody(request, this.version)),
      headers: { 'content-type': 'application/json' },
      signal,
    };
    const res = await this.http.request(req);
    // Flink answers a start that failed (bad restore path, duplicate JobID, main() threw) with 400, some
    // handlers with 500: refusals to report. Auth and gateway errors say nothing about the job: throw.
    if (REFUSALS.has(res.status)) {
      return { ok: false, status: res.status, errors: errorsOf(res.text) };
    }
    if (!isOk(res.status)) throw this.statusError(req, res);
    const body = parseBody(jarRunSchema, res.text, this.cluster, describe(req));
    return { ok: true, jobId: body.jobid.toLowerCase() };
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
