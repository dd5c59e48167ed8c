/**
 * `npm run bench [-- --quick]`: what a scrape, an alert and a recovery cost, each beside a baseline measured in
 * the same run. Prints a Markdown table and writes the figures as JSON under bench/results/ (after a full run,
 * docs/benchmarks.md too). Times are reported, never asserted: the exit code is 1 only when something behaved
 * wrongly (a failed scrape, a storm that submitted more than once, a busy scrape beyond 2 + N + M REST calls) or a
 * flag cannot be read.
 *
 * Flags: --quick (100 and 1,000 jobs, few repetitions, < 2 min), --sizes=100,1000, --concurrency=N,
 * --only=scrape|webhook, --soak=N (N scrapes back to back after the measured ones, for the peak memory of a long run;
 * 200 at 10,000 jobs, 0 below and in --quick), --busy=K (the sizes from 1,000 up measured once more on a busy
 * cluster, one in K checkpointing jobs completing a checkpoint before each scrape; 10 unless given, 0 for none),
 * --cpu-prof (profiles of the service under bench/results/profiles/), --memory-limit=512Mi (the service and each
 * floor client in a memory cgroup of that size, as under a container's limit; written to
 * bench/results/memory-limit-512Mi.json, which docs/benchmarks.md shows beside the run without a limit).
 * BENCH_NODE_FLAGS in the environment adds node flags to the service (e.g. `--max-semi-space-size=64`) to try V8
 * settings.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryCgroups, parseMemoryLimit, unconfined } from './cgroup.js';
import { memoryLimitResults, writeBenchmarksDoc } from './docs.js';
import { choiceFlag, countFlag, countsFlag, flagOf } from './flags.js';
import { checkTargets, renderTable, restCallBound, type Results, type TimeToRecover } from './report.js';
import {
  scrapeScenario,
  webhookScenario,
  type Env,
  type ReactionResult,
  type ScrapeResult,
  type WebhookResult,
} from './scenarios.js';
import { errorMessage } from '../src/errors.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const resultsDir = join(root, 'bench', 'results');

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => flagOf(argv, name);

const TIME_TO_RECOVER = 'bench/results/e2e-time-to-recover-shipped.json';

/**
 * Reads the end-to-end suite's time to recover with the files as shipped (test/e2e/time-to-recover.test.ts), if it
 * ran: the p50 of the slowest Flink version measured, every version's p50 named in the source.
 */
function timeToRecover(): TimeToRecover | null {
  const file = join(root, TIME_TO_RECOVER);
  if (!existsSync(file)) return null;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { versions?: unknown };
    const versions = (Array.isArray(raw.versions) ? (raw.versions as unknown[]) : []).flatMap((v) => {
      const { flinkVersion, p50_ms } = (v ?? {}) as { flinkVersion?: unknown; p50_ms?: { total?: unknown } };
      const total = p50_ms?.total;
      return typeof flinkVersion === 'string' && typeof total === 'number' ? [{ flinkVersion, total }] : [];
    });
    if (versions.length === 0) return { source: `${TIME_TO_RECOVER} (no versions)`, p50Seconds: null, raw };
    const each = versions.map((v) => `Flink ${v.flinkVersion} ${(v.total / 1000).toFixed(1)} s`).join(', ');
    return {
      source: `${TIME_TO_RECOVER}: ${each}; the slowest counts`,
      p50Seconds: Math.max(...versions.map((v) => v.total)) / 1000,
      raw,
    };
  } catch (err) {
    return { source: `${TIME_TO_RECOVER} (unreadable: ${errorMessage(err)})`, p50Seconds: null, raw: null };
  }
}

interface RunOptions {
  readonly quick: boolean;
  readonly sizes: readonly number[];
  readonly only: 'scrape' | 'webhook' | undefined;
  readonly concurrency: number;
  readonly busyEvery: number;
  readonly soak: number | undefined;
  readonly cgroups: MemoryCgroups | undefined;
}

async function main(): Promise<number> {
  const quick = flag('quick') !== undefined;
  // Every flag is read before anything runs, so a typo costs no scenario.
  const limit = flag('memory-limit');
  const o = {
    quick,
    sizes: countsFlag(argv, 'sizes', quick ? [100, 1000] : [100, 1000, 10_000]),
    only: choiceFlag(argv, 'only', ['scrape', 'webhook']),
    concurrency: countFlag(argv, 'concurrency', 64, 1),
    busyEvery: countFlag(argv, 'busy', 10),
    soak: flag('soak') === undefined ? undefined : countFlag(argv, 'soak', 0),
    memoryLimit: limit === undefined ? undefined : parseMemoryLimit(limit),
  };
  const cgroups = o.memoryLimit === undefined ? undefined : MemoryCgroups.open(o.memoryLimit);
  try {
    return await measure({ ...o, cgroups });
  } finally {
    const left = cgroups?.remove() ?? [];
    if (left.length > 0) process.stderr.write(`bench: cgroups left (a process still in them): ${left.join(', ')}\n`);
  }
}

async function measure({ quick, sizes, only, concurrency, busyEvery, soak, cgroups }: RunOptions): Promise<number> {
  const started = Date.now();
  const profileDir = join(resultsDir, 'profiles');
  if (flag('cpu-prof') !== undefined) mkdirSync(profileDir, { recursive: true });
  const env: Env = {
    root,
    here,
    latencyMs: 2,
    concurrency,
    serviceExecArgv: [
      ...(flag('cpu-prof') !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
    confine: cgroups?.confine ?? unconfined,
    log: (line) => process.stderr.write(`${line}\n`),
  };
  env.log(
    `flink-guardian benchmark (${quick ? 'quick' : 'full'}): sizes ${sizes.join(', ')}, ` +
      `concurrency ${concurrency}, 2 ms per request` +
      (cgroups === undefined ? '' : `, the service and each floor client in a ${cgroups.limit.label} cgroup`),
  );

  const scrape: ScrapeResult[] = [];
  const busy: ScrapeResult[] = [];
  const repsAt = (n: number): number => (quick ? 5 : n >= 10_000 ? 10 : n >= 1000 ? 20 : 30);
  if (only === undefined || only === 'scrape') {
    for (const n of sizes) {
      // The naive poller makes ~3 requests per instance one after another: far too slow to run at 10,000 jobs.
      const naiveRuns = n > 1000 ? 0 : quick || n >= 1000 ? 1 : 3;
      // The long run (see SoakResult) where memory matters most: at 10,000 jobs unless asked otherwise.
      const soakScrapes = quick ? 0 : (soak ?? (n >= 10_000 ? 200 : 0));
      scrape.push(await scrapeScenario(env, n, { reps: repsAt(n), naiveRuns, soakScrapes, busyEvery: 0 }));
    }
    for (const n of busyEvery > 0 ? sizes.filter((size) => size >= 1000) : []) {
      busy.push(await scrapeScenario(env, n, { reps: repsAt(n), naiveRuns: 0, soakScrapes: 0, busyEvery }));
    }
  }
  let webhook: WebhookResult | null = null;
  let reaction: ReactionResult | null = null;
  if (only === undefined || only === 'webhook') {
    const r = await webhookScenario(env, {
      rate: 500,
      durationS: quick ? 3 : 10,
      stormSize: 1000,
      reactionJobs: quick ? 40 : 200,
    });
    webhook = r.webhook;
    reaction = r.reaction;
  }
  const cpu = cpus();
  const partial = {
    schema: 1 as const,
    mode: quick ? ('quick' as const) : ('full' as const),
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: {
      cpus: cpu.length,
      model: (cpu[0]?.model ?? 'unknown').trim(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      memoryGB: Math.round(totalmem() / 2 ** 30),
    },
    settings: {
      latencyMs: env.latencyMs,
      concurrency,
      flinkVersion: '1.20.1',
      ...(cgroups === undefined ? {} : { memoryLimit: cgroups.limit.label }),
    },
    scrape,
    busy,
    webhook,
    reaction,
    timeToRecover: timeToRecover(),
  };
  const results: Results = { ...partial, targets: checkTargets(partial) };
  process.stdout.write(renderTable(results));

  mkdirSync(resultsDir, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  // Only a full run replaces the committed latest.json; quick runs (CI) keep their own, a run under a memory limit
  // the file of that limit, which the page shows beside the run without one.
  const latest = join(
    resultsDir,
    cgroups !== undefined
      ? memoryLimitResults(cgroups.limit.label)
      : quick || only !== undefined || flag('sizes') !== undefined
        ? 'quick-latest.json'
        : 'latest.json',
  );
  writeFileSync(latest, text);
  writeFileSync(join(resultsDir, `run-${stamp}.json`), text);
  env.log(`results: ${latest}`);
  if (basename(latest) !== 'quick-latest.json') env.log(`wrote ${writeBenchmarksDoc(root)}`);

  const wrong: string[] = [];
  for (const s of busy) {
    const bound = restCallBound(s);
    if (s.restCallsPerScrape > bound)
      wrong.push(`a busy ${s.jobs}-job scrape made ${s.restCallsPerScrape} REST calls, more than 2 + N + M = ${bound}`);
  }
  if (webhook !== null && webhook.storm.submissions !== 1)
    wrong.push(`the storm made ${webhook.storm.submissions} submissions, not 1`);
  if (reaction !== null && reaction.failures > 0) wrong.push(`${reaction.failures} reaction job(s) were not submitted`);
  for (const w of wrong) process.stderr.write(`bench: ${w}\n`);
  return wrong.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
