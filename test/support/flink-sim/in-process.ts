/**
 * The simulated cluster as a `FlinkApi` without a socket, for unit tests: each call is one request to the
 * cluster's `dispatch`, answered in Flink's wire format and read with the client's own wire schemas, so a
 * refusal or a state transition is the simulator's, written once. The real client owns an undici pool and
 * cannot be pointed at `dispatch`; its status handling is mirrored here and tested itself over HTTP
 * (test/unit/flink/client.test.ts). Jar files are not read: an upload sends the file name with no bytes.
 */
import { basename } from 'node:path';
import type { z } from 'zod';
import { FlinkError } from '../../../src/errors.js';
import type { FlinkApi } from '../../../src/flink/api.js';
import { runBody } from '../../../src/flink/run-body.js';
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
} from '../../../src/flink/types.js';
import {
  checkpointConfigSchema,
  checkpointStatsSchema,
  isCheckpointingDisabled,
  toCheckpointConfig,
  toCheckpointStats,
} from '../../../src/flink/wire/checkpoints.js';
import { jobExceptionsSchema, toRootCause } from '../../../src/flink/wire/exceptions.js';
import { jarIdOf, jarListSchema, jarRunSchema, jarUploadSchema, toJars } from '../../../src/flink/wire/jars.js';
import { jobsOverviewSchema, toJobOverviews } from '../../../src/flink/wire/jobs-overview.js';
import { JOB_METRIC_IDS, metricsSchema, toJobMetrics } from '../../../src/flink/wire/metrics.js';
import { overviewSchema, toClusterOverview } from '../../../src/flink/wire/overview.js';
import { errorsOf, parseBody } from '../../../src/flink/wire/parse.js';
import type { SimulatedCluster } from './cluster.js';

interface Exchange {
  readonly endpoint: string;
  readonly status: number;
  readonly text: string;
}

/** Statuses with which Flink refuses a run on purpose (as the client reads them). */
const REFUSALS: ReadonlySet<number> = new Set([400, 404, 409, 500]);

const isOk = (status: number) => status >= 200 && status < 300;

export class InProcessFlink implements FlinkApi {
  constructor(
    private readonly sim: SimulatedCluster,
    readonly cluster = 'prod',
  ) {}

  /** One request; it takes a turn of the event loop first, as a request on the wire does. */
  private async exchange(method: string, path: string, body?: string, contentType?: string): Promise<Exchange> {
    const endpoint = `${method} ${path.split('?')[0] ?? path}`;
    await new Promise((resolve) => setImmediate(resolve));
    const answer = await this.sim.dispatch({
      method,
      path,
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body: Buffer.from(body ?? ''),
    });
    if (answer.kind === 'reset') throw new FlinkError('FLINK_UNREACHABLE', this.cluster, endpoint, 'socket hang up');
    return { endpoint, status: answer.status, text: JSON.stringify(answer.body) };
  }

  private statusError(res: Exchange): FlinkError {
    const first = errorsOf(res.text)[0]?.split('\n')[0] ?? '';
    return new FlinkError('FLINK_HTTP_STATUS', this.cluster, res.endpoint, `HTTP ${res.status}: ${first}`, {
      status: res.status,
    });
  }

  private async get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
    const res = await this.exchange('GET', path);
    if (!isOk(res.status)) throw this.statusError(res);
    return parseBody(schema, res.text, this.cluster, res.endpoint);
  }

  async overview(): Promise<ClusterOverview> {
    return toClusterOverview(await this.get('/overview', overviewSchema));
  }

  async jobsOverview(): Promise<readonly JobOverview[]> {
    return toJobOverviews(await this.get('/jobs/overview', jobsOverviewSchema));
  }

  async checkpoints(jobId: string): Promise<CheckpointStatsResult> {
    const res = await this.exchange('GET', `/jobs/${jobId}/checkpoints`);
    if (res.status === 404 && isCheckpointingDisabled(errorsOf(res.text))) return { kind: 'disabled' };
    if (!isOk(res.status)) throw this.statusError(res);
    return {
      kind: 'enabled',
      stats: toCheckpointStats(parseBody(checkpointStatsSchema, res.text, this.cluster, res.endpoint)),
    };
  }

  async checkpointConfig(jobId: string): Promise<CheckpointConfig | undefined> {
    const res = await this.exchange('GET', `/jobs/${jobId}/checkpoints/config`);
    if (res.status === 404 && isCheckpointingDisabled(errorsOf(res.text))) return undefined;
    if (!isOk(res.status)) throw this.statusError(res);
    return toCheckpointConfig(parseBody(checkpointConfigSchema, res.text, this.cluster, res.endpoint));
  }

  async jobMetrics(jobId: string): Promise<JobMetrics> {
    return toJobMetrics(await this.get(`/jobs/${jobId}/metrics?get=${JOB_METRIC_IDS.join(',')}`, metricsSchema));
  }

  async jobExceptions(jobId: string): Promise<RootCause | undefined> {
    return toRootCause(await this.get(`/jobs/${jobId}/exceptions`, jobExceptionsSchema));
  }

  async listJars(): Promise<readonly JarInfo[]> {
    return toJars(await this.get('/jars', jarListSchema));
  }

  async uploadJar(path: string): Promise<JarInfo> {
    const name = basename(path);
    const boundary = 'in-process-upload';
    const form =
      `--${boundary}\r\nContent-Disposition: form-data; name="jarfile"; filename="${name}"\r\n` +
      `Content-Type: application/x-java-archive\r\n\r\n\r\n--${boundary}--\r\n`;
    const res = await this.exchange('POST', '/jars/upload', form, `multipart/form-data; boundary=${boundary}`);
    if (!isOk(res.status)) throw this.statusError(res);
    const body = parseBody(jarUploadSchema, res.text, this.cluster, res.endpoint);
    const id = jarIdOf(body.filename);
    return { id, name, uploadedAt: this.sim.jars().find((j) => j.id === id)?.uploaded ?? 0 };
  }

  async runJar(jarId: string, request: RunJarRequest): Promise<RunJarResult> {
    const body = JSON.stringify(runBody(request, this.sim.version));
    const res = await this.exchange('POST', `/jars/${jarId}/run`, body, 'application/json');
    if (REFUSALS.has(res.status)) return { ok: false, status: res.status, errors: errorsOf(res.text) };
    if (!isOk(res.status)) throw this.statusError(res);
    return { ok: true, jobId: parseBody(jarRunSchema, res.text, this.cluster, res.endpoint).jobid.toLowerCase() };
  }

  async close(): Promise<void> {}
}
