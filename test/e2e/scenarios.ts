/**
 * Helpers of the recovery scenarios: reading /metrics, waiting for a job to count, the failure report, and the
 * time-to-recover file the benchmark reads.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  checkpointStats,
  jobsOverview,
  readCounterState,
  repoRoot,
  tailLog,
  waitFor,
  type CounterState,
} from './harness/index.js';
import type { GuardianEpisode, Stack } from './stack.js';
import { errorMessage } from '../../src/errors.js';

export const KEYS = 4;

/** Labels of one exposition line. */
function labelsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) out[m[1] as string] = m[2] as string;
  return out;
}

/** Sum of the samples of `name` whose labels include `labels` (undefined when there is none). */
export function sampleSum(exposition: string, name: string, labels: Record<string, string>): number | undefined {
  let sum: number | undefined;
  for (const line of exposition.split('\n')) {
    if (!(line.startsWith(`${name}{`) || line.startsWith(`${name} `))) continue;
    const brace = line.indexOf('}');
    const ls = line.startsWith(`${name}{`) ? labelsOf(line.slice(name.length + 1, brace)) : {};
    if (!Object.entries(labels).every(([k, v]) => ls[k] === v)) continue;
    const value = Number(
      line
        .slice((brace >= 0 ? brace : name.length) + 1)
        .trim()
        .split(/\s+/)[0],
    );
    sum = (sum ?? 0) + value;
  }
  return sum;
}

/** Waits until the job's current attempt `jobId` has seen every key, so restoredCounts is complete. */
export function waitCounting(
  outDir: string,
  jobId: string,
  what: string,
  extra: (s: CounterState) => boolean = () => true,
): Promise<CounterState> {
  return waitFor(
    () => {
      const s = readCounterState(outDir);
      if (s === undefined || !s.subtasks.every((x) => x.jobId === jobId)) return undefined;
      if (Object.keys(s.restoredCounts).length < KEYS || Object.keys(s.counts).length < KEYS) return undefined;
      return extra(s) ? s : undefined;
    },
    90_000,
    { what, intervalMs: 200 },
  );
}

/** Waits until the counters written by `jobId` grew by more than `by`. */
export async function waitAdvance(outDir: string, jobId: string, from: number, by = 10): Promise<number> {
  return waitFor(
    () => {
      const s = readCounterState(outDir);
      return s?.subtasks.every((x) => x.jobId === jobId) && s.total > from + by ? s.total : undefined;
    },
    60_000,
    { what: `the counters of ${jobId} to advance past ${from + by}` },
  );
}

/** Flink's timestamp of a job's RUNNING state (ms). */
export async function runningTimestamp(restUrl: string, jobId: string): Promise<number | undefined> {
  const res = await fetch(`${restUrl}/jobs/${jobId}`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) return undefined;
  const body = (await res.json()) as { timestamps?: Record<string, number> };
  const t = body.timestamps?.RUNNING;
  return t !== undefined && t > 0 ? t : undefined;
}

/** Everything a person needs to see when a scenario failed. */
export async function failureReport(stack: Stack | undefined, jobName: string): Promise<string> {
  if (stack === undefined) return 'the stack did not start';
  const parts: string[] = [`run dir (kept): ${stack.dir}`, 'logs:'];
  for (const [what, file] of Object.entries(stack.logFiles())) parts.push(`  ${what}: ${file}`);
  const safe = async (what: string, f: () => Promise<unknown>): Promise<void> => {
    try {
      parts.push(`${what}: ${JSON.stringify(await f())}`);
    } catch (err) {
      parts.push(`${what}: (unavailable: ${errorMessage(err)})`);
    }
  };
  await safe(`Flink instances of ${jobName}`, () => stack.instances(jobName));
  await safe('Flink jobs', async () =>
    (await jobsOverview(stack.flink.restUrl)).map((j) => `${j.name} ${j.jid} ${j.state}`),
  );
  await safe(`guardian episode of ${jobName}`, () => stack.guardian.episode(jobName));
  await safe('Prometheus alerts', async () =>
    (await stack.alerts()).map(
      (a) => `${a.labels.alertname}{job_name=${a.labels.job_name ?? ''}} ${a.state} since ${a.activeAt}`,
    ),
  );
  const instances = await stack.instances(jobName).catch(() => []);
  const last = instances[instances.length - 1];
  if (last !== undefined)
    await safe(`checkpoints of ${last.jid}`, () => checkpointStats(stack.flink.restUrl, last.jid));
  parts.push(`--- guardian log (tail) ${stack.guardian.logFile}`, tailLog(stack.guardian.logFile, 40));
  const jm = stack.logFiles()['flink jobmanager'];
  if (jm !== undefined) parts.push(`--- Flink JobManager log (tail) ${jm}`, tailLog(jm, 25));
  const tm = stack.logFiles()['flink taskmanager'];
  if (tm !== undefined) parts.push(`--- Flink TaskManager log (tail) ${tm}`, tailLog(tm, 15));
  return parts.join('\n');
}

export interface TimeToRecoverRun {
  readonly flinkVersion: string;
  readonly intervals: { scrape_interval: string; evaluation_interval: string; for: string; group_wait: string };
  readonly phases_ms: { detection: number; alerting: number; webhook: number; restore: number; total: number };
}

/** Merges one version's measurement into bench/results/e2e-time-to-recover.json (atomically). */
export function recordTimeToRecover(run: TimeToRecoverRun): string {
  const file = join(repoRoot(), 'bench', 'results', 'e2e-time-to-recover.json');
  let runs: TimeToRecoverRun[] = [];
  if (existsSync(file)) {
    try {
      runs = ((JSON.parse(readFileSync(file, 'utf8')) as { runs?: TimeToRecoverRun[] }).runs ?? []).filter(
        (r) => r.flinkVersion !== run.flinkVersion,
      );
    } catch {
      runs = [];
    }
  }
  runs.push(run);
  runs.sort((a, b) => a.flinkVersion.localeCompare(b.flinkVersion, undefined, { numeric: true }));
  const totals = runs.map((r) => r.phases_ms.total).sort((a, b) => a - b);
  const p50 = totals[Math.ceil(totals.length / 2) - 1] ?? 0;
  // p50Seconds: the benchmark report's "time to recover" row reads it.
  const body = { measuredAt: new Date().toISOString(), p50Seconds: Math.round(p50 / 100) / 10, runs };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/**
 * A job's episode as flink-guardian stored it in its stateDir (read while the service is down): one file per job
 * (`episodes/<cluster>/<job>.json`, `{episode}`) or the older single `episodes.json` (`{episodes: [...]}`).
 */
export function storedEpisode(stateDir: string, jobName: string): GuardianEpisode | undefined {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.json') && e.name !== 'jobs.json') files.push(join(dir, e.name));
    }
  };
  walk(stateDir);
  for (const file of files) {
    const body = JSON.parse(readFileSync(file, 'utf8')) as { episode?: GuardianEpisode; episodes?: GuardianEpisode[] };
    for (const e of [...(body.episode === undefined ? [] : [body.episode]), ...(body.episodes ?? [])]) {
      if (e.jobName === jobName) return e;
    }
  }
  return undefined;
}
