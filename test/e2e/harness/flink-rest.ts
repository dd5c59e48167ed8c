import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

// A minimal Flink REST client for the harness and the e2e tests only (fetch, no validation); the service has
// its own client in src/flink/.

export interface JobOverview {
  readonly jid: string;
  readonly name: string;
  readonly state: string;
  readonly 'start-time': number;
  readonly 'end-time': number;
}

export interface ClusterOverview {
  readonly taskmanagers: number;
  readonly 'slots-total': number;
  readonly 'slots-available': number;
  readonly 'jobs-running': number;
  readonly 'flink-version': string;
}

export interface CompletedCheckpoint {
  readonly id: number;
  readonly external_path: string;
  readonly latest_ack_timestamp: number;
}

export interface CheckpointStats {
  readonly counts: { readonly completed: number; readonly failed: number; readonly restored: number };
  readonly latest: {
    readonly completed: CompletedCheckpoint | null;
    readonly restored: { readonly id: number; readonly external_path: string } | null;
  };
}

export interface RunJarRequest {
  readonly entryClass?: string;
  readonly programArgsList?: readonly string[];
  readonly parallelism?: number;
  readonly jobId?: string;
  readonly savepointPath?: string;
  readonly allowNonRestoredState?: boolean;
  readonly claimMode?: 'CLAIM' | 'NO_CLAIM' | 'LEGACY';
  readonly flinkConfiguration?: Readonly<Record<string, string>>;
}

/** Thrown for a non-2xx answer; carries the status and Flink's error body. */
export class FlinkRestError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 2000)}`);
  }
}

async function call<T>(restUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, signal: AbortSignal.timeout(30_000) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const response = await fetch(`${restUrl}${path}`, init);
  const text = await response.text();
  if (!response.ok) throw new FlinkRestError(response.status, text, `${method} ${path}`);
  return (text === '' ? {} : JSON.parse(text)) as T;
}

/** GET /overview */
export function clusterOverview(restUrl: string): Promise<ClusterOverview> {
  return call(restUrl, 'GET', '/overview');
}

/** GET /jobs/overview, the job list. */
export async function jobsOverview(restUrl: string): Promise<JobOverview[]> {
  return (await call<{ jobs: JobOverview[] }>(restUrl, 'GET', '/jobs/overview')).jobs;
}

/** The state of one job, or undefined when the JobManager does not know it. */
export async function jobState(restUrl: string, jobId: string): Promise<string | undefined> {
  return (await jobsOverview(restUrl)).find((j) => j.jid === jobId)?.state;
}

/** GET /jobs/:jobid/checkpoints */
export function checkpointStats(restUrl: string, jobId: string): Promise<CheckpointStats> {
  return call(restUrl, 'GET', `/jobs/${jobId}/checkpoints`);
}

/** POST /jars/upload (multipart, part `jarfile`); returns the jar id (basename of the stored file). */
export async function uploadJar(restUrl: string, jarPath: string): Promise<string> {
  const form = new FormData();
  form.append('jarfile', new Blob([await readFile(jarPath)], { type: 'application/java-archive' }), basename(jarPath));
  const response = await fetch(`${restUrl}/jars/upload`, {
    method: 'POST',
    body: form,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new FlinkRestError(response.status, text, 'POST /jars/upload');
  const filename = (JSON.parse(text) as { filename: string }).filename;
  return basename(filename);
}

/** POST /jars/:jarid/run; returns the job id. */
export async function runJar(restUrl: string, jarId: string, request: RunJarRequest): Promise<string> {
  return (await call<{ jobid: string }>(restUrl, 'POST', `/jars/${encodeURIComponent(jarId)}/run`, request)).jobid;
}

/** PATCH /jobs/:jobid?mode=cancel */
export async function cancelJob(restUrl: string, jobId: string): Promise<void> {
  await call(restUrl, 'PATCH', `/jobs/${jobId}?mode=cancel`);
}

/** Waits until the job is in one of `states` and returns that state; fails fast on an unexpected terminal state. */
export async function waitForJobState(
  restUrl: string,
  jobId: string,
  states: readonly string[],
  timeoutMs: number,
): Promise<string> {
  const terminal = ['FAILED', 'CANCELED', 'FINISHED'];
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    try {
      last = await jobState(restUrl, jobId);
    } catch {
      last = undefined;
    }
    if (last !== undefined && states.includes(last)) return last;
    if (last !== undefined && terminal.includes(last)) {
      throw new Error(`job ${jobId} ended ${last} while waiting for ${states.join('|')}`);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `job ${jobId}: timed out after ${timeoutMs} ms waiting for ${states.join('|')} (last: ${last ?? 'unknown'})`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits for a completed checkpoint with an id above `afterId` and returns it. */
export async function waitForCheckpoint(
  restUrl: string,
  jobId: string,
  timeoutMs: number,
  afterId = 0,
): Promise<CompletedCheckpoint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const latest = (await checkpointStats(restUrl, jobId)).latest.completed;
      if (latest !== null && latest.id > afterId) return latest;
    } catch {
      // checkpoint stats are not there until the job runs
    }
    if (Date.now() >= deadline)
      throw new Error(`job ${jobId}: no completed checkpoint after ${afterId} in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
