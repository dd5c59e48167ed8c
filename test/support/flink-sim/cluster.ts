/**
 * The simulated Flink JobManager behind both doors: the model of its state, the controls tests use, and
 * `dispatch`, which answers one REST request in Flink's wire format. `simulator.ts` serves it over HTTP;
 * `in-process.ts` hands it to unit tests as a `FlinkApi` without a socket.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { JobState } from '../../../src/flink/job-state.js';
import {
  SimModel,
  type CompleteCheckpointOptions,
  type SimException,
  type SimJar,
  type SimJobSpec,
  type SimJobView,
} from './model.js';
import { fileParts } from './multipart.js';
import { runJar, type RunBehaviour } from './run-jar.js';
import {
  exceptionsBody,
  checkpointConfigBody,
  checkpointsBody,
  configBody,
  errorBody,
  jarsBody,
  jobDetailsBody,
  jobsOverviewBody,
  overviewBody,
  type Dialect,
} from './wire.js';

export type { Retention, SimException, SimJobSpec, SimJobView, CompleteCheckpointOptions } from './model.js';
export type { RunBehaviour } from './run-jar.js';
export type { Dialect } from './wire.js';

export type Endpoint =
  | 'GET /overview'
  | 'GET /config'
  | 'GET /jobs/overview'
  | 'GET /jobs/:jobid'
  | 'PATCH /jobs/:jobid'
  | 'GET /jobs/:jobid/metrics'
  | 'GET /jobs/:jobid/checkpoints'
  | 'GET /jobs/:jobid/checkpoints/config'
  | 'GET /jobs/:jobid/exceptions'
  | 'GET /jars'
  | 'POST /jars/upload'
  | 'POST /jars/:jarid/run'
  | 'DELETE /jars/:jarid';

export type Fault =
  | { readonly status: number; readonly body?: unknown; readonly times?: number }
  | { readonly reset: true; readonly times?: number };

export interface SimulatorOptions {
  readonly version?: string;
  readonly latencyMs?: number;
  readonly taskManagers?: number;
  readonly slotsPerTaskManager?: number;
  readonly jobNames?: Readonly<Record<string, string>>;
  readonly startDelayMs?: number;
  readonly checkpointDir?: string;
  readonly auth?:
    | { readonly bearerToken: string }
    | { readonly basic: { readonly username: string; readonly password: string } };
  readonly now?: () => number;
  readonly historySize?: number;
  /** Flink's JobResultStore: `memory` (default, no HA) or `ha` (file store with delete-on-commit). */
  readonly jobResultStore?: 'memory' | 'ha';
}

export interface RecordedRun {
  readonly jarId: string;
  readonly body: unknown;
  readonly status: number;
  readonly jobId?: string;
  readonly at: number;
}

export interface RecordedUpload {
  readonly fileName: string;
  readonly bytes: number;
  readonly jarId: string;
}

/** One request as the simulator sees it, whichever door it came through. */
export interface SimRequest {
  readonly method: string;
  /** Path and query, e.g. `/jobs/overview` or `/jobs/<id>/metrics?get=numRestarts`. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** What the simulator answers: a status with a JSON body, or a connection reset (no answer at all). */
export type SimAnswer =
  | { readonly kind: 'response'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'reset' };

/** The simulated JobManager without a listening socket: its state, its controls and `dispatch`. */
export interface SimulatedCluster {
  readonly version: string;
  readonly dialect: Dialect;
  addJob(spec: SimJobSpec): string;
  setState(jobId: string, state: JobState): void;
  /** Fails the instance; `cause` is its root exception (a generic JobException when not given). */
  fail(jobId: string, cause?: Omit<SimException, 'timestamp'>): void;
  cancel(jobId: string): void;
  finish(jobId: string): void;
  suspend(jobId: string): void;
  remove(jobId: string): void;
  restartJobManager(): void;
  completeCheckpoint(jobId: string, opts?: CompleteCheckpointOptions): string;
  takeSavepoint(jobId: string, path?: string): string;
  failCheckpoint(jobId: string): void;
  setCheckpointsInProgress(jobId: string, n: number): void;
  setRestarts(jobId: string, n: number): void;
  deletePath(path: string): void;
  job(jobId: string): SimJobView | undefined;
  jobs(): SimJobView[];
  jobsNamed(name: string): SimJobView[];
  setTaskManagers(n: number, slotsPerTaskManager?: number): void;
  addJar(fileName: string, opts?: { entryClass?: string; jobName?: string }): string;
  mapJob(entryClassOrJarName: string, jobName: string): void;
  jars(): { id: string; name: string; uploaded: number }[];
  setRunBehaviour(behaviour: RunBehaviour, jobName?: string): void;
  setLatency(ms: number, endpoint?: Endpoint): void;
  injectFault(endpoint: Endpoint | '*', fault: Fault): void;
  clearFaults(): void;
  requestCount(endpoint?: Endpoint): number;
  counts(): Record<string, number>;
  resetCounts(): void;
  runRequests(): RecordedRun[];
  uploads(): RecordedUpload[];
  lastHeaders(): IncomingHttpHeaders | undefined;
  /**
   * Holds the next `times` (default 1) run requests once received and counted, before the JobManager looks at
   * them, until the returned function is called: a submission in flight, or one whose answer never comes.
   */
  holdRuns(times?: number): () => void;
  /** Answers one request: the state transitions, refusals and faults every door shares. */
  dispatch(request: SimRequest): Promise<SimAnswer>;
}

interface Route {
  readonly endpoint: Endpoint;
  readonly id: string | undefined;
}

/** Maps method and path to an endpoint; Flink also serves everything under `/v1`. */
function route(method: string, pathname: string): Route | undefined {
  const path = pathname.replace(/^\/v1(?=\/)/, '').replace(/\/$/, '');
  const parts = path.split('/').slice(1).map(decodeURIComponent);
  const [a, b, c, d] = parts;
  const n = parts.length;
  const is = (m: string) => method === m;
  if (n === 1 && a === 'overview' && is('GET')) return { endpoint: 'GET /overview', id: undefined };
  if (n === 1 && a === 'config' && is('GET')) return { endpoint: 'GET /config', id: undefined };
  if (n === 1 && a === 'jars' && is('GET')) return { endpoint: 'GET /jars', id: undefined };
  if (a === 'jobs') {
    if (n === 2 && b === 'overview' && is('GET')) return { endpoint: 'GET /jobs/overview', id: undefined };
    if (n === 2 && is('GET')) return { endpoint: 'GET /jobs/:jobid', id: b };
    if (n === 2 && is('PATCH')) return { endpoint: 'PATCH /jobs/:jobid', id: b };
    if (n === 3 && c === 'metrics' && is('GET')) return { endpoint: 'GET /jobs/:jobid/metrics', id: b };
    if (n === 3 && c === 'checkpoints' && is('GET')) return { endpoint: 'GET /jobs/:jobid/checkpoints', id: b };
    if (n === 3 && c === 'exceptions' && is('GET')) return { endpoint: 'GET /jobs/:jobid/exceptions', id: b };
    if (n === 4 && c === 'checkpoints' && d === 'config' && is('GET')) {
      return { endpoint: 'GET /jobs/:jobid/checkpoints/config', id: b };
    }
  }
  if (a === 'jars') {
    if (n === 2 && b === 'upload' && is('POST')) return { endpoint: 'POST /jars/upload', id: undefined };
    if (n === 3 && c === 'run' && is('POST')) return { endpoint: 'POST /jars/:jarid/run', id: b };
    if (n === 2 && is('DELETE')) return { endpoint: 'DELETE /jars/:jarid', id: b };
  }
  return undefined;
}

function send(status: number, body: unknown): SimAnswer {
  return { kind: 'response', status, body };
}

/** Builds a simulated JobManager; `startFlinkSimulator` serves it over HTTP, `InProcessFlink` in-process. */
export function createSimulatedCluster(options: SimulatorOptions = {}): SimulatedCluster {
  const version = options.version ?? '1.20.1';
  const dialect: Dialect = Number(version.split('.')[0]) >= 2 ? '2.x' : '1.20';
  const now = options.now ?? (() => Date.now());
  const model = new SimModel(
    now,
    options.checkpointDir ?? 'file:/flink/checkpoints',
    options.historySize ?? 10,
    options.taskManagers ?? 1,
    options.slotsPerTaskManager ?? 4,
    options.jobResultStore ?? 'memory',
  );
  for (const [key, name] of Object.entries(options.jobNames ?? {})) model.jobNames.set(key, name);
  let defaultLatency = options.latencyMs ?? 0;
  const latency = new Map<Endpoint, number>();
  const faults = new Map<string, { fault: Fault; remaining: number }>();
  const counts = new Map<string, number>();
  let runs: RecordedRun[] = [];
  const uploaded: RecordedUpload[] = [];
  let defaultBehaviour: RunBehaviour = { startDelayMs: options.startDelayMs ?? 0, outcome: 'running' };
  const behaviours = new Map<string, RunBehaviour>();
  let headers: IncomingHttpHeaders | undefined;
  const holds: { remaining: number; gate: Promise<void> }[] = [];

  const authorized = (req: SimRequest): boolean => {
    const auth = options.auth;
    if (auth === undefined) return true;
    const expected =
      'bearerToken' in auth
        ? `Bearer ${auth.bearerToken}`
        : `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64')}`;
    return req.headers.authorization === expected;
  };

  const takeFault = (endpoint: Endpoint): Fault | undefined => {
    for (const key of [endpoint, '*']) {
      const entry = faults.get(key);
      if (entry === undefined) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) faults.delete(key);
      return entry.fault;
    }
    return undefined;
  };

  const behaviourFor = (jarId: string, body: unknown): RunBehaviour => {
    const jar = model.jars.get(jarId);
    if (jar === undefined) return defaultBehaviour;
    const entry = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).entryClass : undefined;
    const name = model.jobNameFor(jar, typeof entry === 'string' ? entry : undefined);
    return { ...defaultBehaviour, ...behaviours.get(name) };
  };

  /** Waits while a hold covers this run request; the hold was taken before the request arrived. */
  const held = async (): Promise<void> => {
    const hold = holds[0];
    if (hold === undefined) return;
    hold.remaining -= 1;
    if (hold.remaining <= 0) holds.shift();
    await hold.gate;
  };

  const dispatch = async (req: SimRequest): Promise<SimAnswer> => {
    const url = new URL(req.path, 'http://sim');
    const r = route(req.method, url.pathname);
    const key = r?.endpoint ?? 'unknown';
    counts.set(key, (counts.get(key) ?? 0) + 1);
    headers = req.headers;
    const raw = req.body;
    const wait = (r === undefined ? undefined : latency.get(r.endpoint)) ?? defaultLatency;
    if (wait > 0) await delay(wait);
    if (r === undefined) return send(404, errorBody(`Not found: ${url.pathname}`));
    const fault = takeFault(r.endpoint);
    if (fault !== undefined) {
      if ('reset' in fault) return { kind: 'reset' };
      return send(fault.status, fault.body ?? errorBody('Simulated failure.'));
    }
    if (!authorized(req)) return send(401, errorBody('Unauthorized'));
    if (r.endpoint === 'POST /jars/:jarid/run') await held();
    model.tick();
    const id = r.id ?? '';
    const job = model.jobsById.get(id.toLowerCase());
    const notFound = () => send(404, errorBody(`org.apache.flink.runtime.rest.NotFoundException: Job ${id} not found`));
    switch (r.endpoint) {
      case 'GET /overview':
        return send(200, overviewBody(model, version, dialect));
      case 'GET /config':
        return send(200, configBody(version, dialect));
      case 'GET /jobs/overview':
        return send(200, jobsOverviewBody(model, dialect));
      case 'GET /jobs/:jobid':
        return job === undefined ? notFound() : send(200, jobDetailsBody(job, model, dialect));
      case 'PATCH /jobs/:jobid': {
        if (job === undefined) return notFound();
        if (job.state === 'FAILED' || job.state === 'CANCELED' || job.state === 'FINISHED') {
          return send(409, errorBody(`Job ${id} has already reached a globally terminal state.`));
        }
        model.setState(job.jobId, 'CANCELED');
        return send(202, {});
      }
      case 'GET /jobs/:jobid/metrics': {
        // Flink answers an unknown job, or one whose metrics were not fetched, with an empty array.
        const wanted = url.searchParams.get('get');
        if (job === undefined || !job.restartsReported) return send(200, []);
        if (wanted === null) return send(200, [{ id: 'numRestarts' }, { id: 'uptime' }, { id: 'downtime' }]);
        const values: Record<string, string> = {
          numRestarts: String(job.restarts),
          uptime: String(now() - job.startTime),
          downtime: '0',
          // Flink's checkpoint statistics tracker registers these on every job (zeros without checkpointing).
          numberOfCompletedCheckpoints: String(job.completed),
          numberOfFailedCheckpoints: String(job.failed),
          numberOfInProgressCheckpoints: String(job.inProgress),
        };
        return send(
          200,
          wanted
            .split(',')
            .filter((m) => m in values)
            .map((m) => ({ id: m, value: values[m] })),
        );
      }
      case 'GET /jobs/:jobid/checkpoints':
        if (job === undefined) return notFound();
        if (job.retention === undefined) return send(404, errorBody('Checkpointing has not been enabled.'));
        return send(200, checkpointsBody(job));
      case 'GET /jobs/:jobid/exceptions':
        if (job === undefined) return notFound();
        return send(200, exceptionsBody(job, dialect));
      case 'GET /jobs/:jobid/checkpoints/config':
        if (job === undefined) return notFound();
        if (job.retention === undefined) {
          return send(404, errorBody(`Checkpointing is not enabled for this job (${job.jobId}).`));
        }
        return send(200, checkpointConfigBody(job));
      case 'GET /jars':
        return send(200, jarsBody(model, req.headers.host === undefined ? '' : `http://${req.headers.host}`));
      case 'POST /jars/upload': {
        const files = fileParts(req.headers['content-type'], raw);
        const [file] = files;
        if (files.length !== 1 || file === undefined) {
          return send(400, errorBody(`Exactly 1 file must be sent, received ${files.length}.`));
        }
        if (!file.fileName.endsWith('.jar')) return send(400, errorBody('Only Jar files are allowed.'));
        const jarId = model.addJar(file.fileName);
        uploaded.push({ fileName: file.fileName, bytes: file.bytes, jarId });
        const dir = `/tmp/flink-web-${randomUUID()}/flink-web-upload`;
        return send(200, { filename: `${dir}/${jarId}`, status: 'success' });
      }
      case 'POST /jars/:jarid/run': {
        let body: unknown;
        try {
          body = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
        } catch {
          return send(400, errorBody('Request did not match expected format JarRunRequestBody.'));
        }
        const answer = runJar(model, dialect, id, body, url.searchParams, behaviourFor(id, body));
        runs.push({
          jarId: id,
          body,
          status: answer.status,
          ...(answer.jobId === undefined ? {} : { jobId: answer.jobId }),
          at: now(),
        });
        return send(answer.status, answer.body);
      }
      case 'DELETE /jars/:jarid':
        if (!model.jars.delete(id)) return send(400, errorBody(`File ${id} does not exist in /tmp/flink-web-upload.`));
        return send(200, {});
    }
  };

  const view = (jobId: string) => {
    model.tick();
    const job = model.jobsById.get(jobId.toLowerCase());
    return job === undefined ? undefined : model.view(job);
  };

  return {
    version,
    dialect,
    addJob: (spec) => model.addJob(spec),
    setState: (jobId, state) => model.setState(jobId, state),
    fail: (jobId, cause) => (cause === undefined ? model.setState(jobId, 'FAILED') : model.failWith(jobId, cause)),
    cancel: (jobId) => model.setState(jobId, 'CANCELED'),
    finish: (jobId) => model.setState(jobId, 'FINISHED'),
    suspend: (jobId) => model.setState(jobId, 'SUSPENDED'),
    remove: (jobId) => model.remove(jobId),
    restartJobManager: () => model.restartJobManager(),
    completeCheckpoint: (jobId, opts) => model.completeCheckpoint(jobId, opts),
    takeSavepoint: (jobId, path) =>
      model.completeCheckpoint(jobId, { savepoint: true, ...(path === undefined ? {} : { path }) }),
    failCheckpoint: (jobId) => model.failCheckpoint(jobId),
    setCheckpointsInProgress: (jobId, n) => {
      model.get(jobId).inProgress = n;
    },
    setRestarts: (jobId, n) => {
      model.get(jobId).restarts = n;
    },
    deletePath: (path) => {
      model.deletedPaths.add(path.replace(/\/_metadata$/, ''));
    },
    job: view,
    jobs: () => {
      model.tick();
      return [...model.jobsById.values()].map((j) => model.view(j));
    },
    jobsNamed: (name) => {
      model.tick();
      return [...model.jobsById.values()].filter((j) => j.name === name).map((j) => model.view(j));
    },
    setTaskManagers: (n, slots) => {
      model.taskManagers = n;
      if (slots !== undefined) model.slotsPerTaskManager = slots;
    },
    addJar: (fileName, opts) => model.addJar(fileName, opts),
    mapJob: (key, name) => {
      model.jobNames.set(key, name);
    },
    jars: () => [...model.jars.values()].map((j: SimJar) => ({ id: j.id, name: j.name, uploaded: j.uploaded })),
    setRunBehaviour: (behaviour, jobName) => {
      if (jobName === undefined) defaultBehaviour = { ...defaultBehaviour, ...behaviour };
      else behaviours.set(jobName, { ...behaviours.get(jobName), ...behaviour });
    },
    setLatency: (ms, endpoint) => {
      if (endpoint === undefined) {
        defaultLatency = ms;
        latency.clear();
      } else latency.set(endpoint, ms);
    },
    injectFault: (endpoint, fault) => {
      faults.set(endpoint, { fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    },
    clearFaults: () => faults.clear(),
    requestCount: (endpoint) =>
      endpoint === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(endpoint) ?? 0),
    counts: () => Object.fromEntries(counts),
    resetCounts: () => {
      counts.clear();
      runs = [];
    },
    runRequests: () => [...runs],
    uploads: () => [...uploaded],
    lastHeaders: () => headers,
    holdRuns: (times = 1) => {
      let release: () => void = () => undefined;
      holds.push({ remaining: times, gate: new Promise<void>((resolve) => (release = resolve)) });
      return () => release();
    },
    dispatch,
  };
}
