/** The benchmark's results: targets with PASS/MISS, the human table (Markdown, also written to docs/benchmarks.md). */
import type { ReactionResult, ScrapeResult, SoakResult, WebhookResult } from './scenarios.js';

export interface Machine {
  readonly cpus: number;
  readonly model: string;
  readonly node: string;
  readonly platform: string;
  readonly memoryGB: number;
}

export interface TimeToRecover {
  readonly source: string;
  readonly p50Seconds: number | null;
  readonly raw: unknown;
}

export interface TargetCheck {
  readonly id: string;
  readonly target: string;
  readonly value: string;
  readonly status: 'PASS' | 'MISS' | 'NOT RUN';
}

export interface Results {
  readonly schema: 1;
  readonly mode: 'full' | 'quick';
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: Machine;
  readonly settings: {
    readonly latencyMs: number;
    readonly concurrency: number;
    readonly flinkVersion: string;
    /** `--memory-limit`: the service and each floor client ran in a memory cgroup of this size. */
    readonly memoryLimit?: string;
  };
  readonly scrape: readonly ScrapeResult[];
  /** The same scenario on a busy cluster (ScrapeResult `busy`), at the sizes from 1,000 up. */
  readonly busy: readonly ScrapeResult[];
  readonly webhook: WebhookResult | null;
  readonly reaction: ReactionResult | null;
  readonly timeToRecover: TimeToRecover | null;
  readonly targets: readonly TargetCheck[];
}

const fmt = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '–'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

/** The peak RSS of the service and of the floor client over the whole scenario, and over how many scrapes. */
function peakOfRun(s: ScrapeResult): { readonly service: number; readonly floor: number; readonly over: string } {
  const soak = s.soak;
  if (soak === null) return { service: s.peakRssMB, floor: s.floor.peakRssMB, over: `over ${s.scrapes + 2} scrapes` };
  return {
    service: Math.max(s.peakRssMB, ...soak.peakRssMB),
    floor: Math.max(s.floor.peakRssMB, soak.floorPeakRssMB),
    over: `over ${s.scrapes + 2 + soak.scrapes} scrapes`,
  };
}

/** The most REST calls a scrape may make: 2 + N + M (N running jobs, M whose checkpoint count moved). */
export function restCallBound(s: ScrapeResult): number {
  return 2 + s.running + (s.busy?.moved ?? 0);
}

/** Evaluates the issue's targets against the figures. */
export function checkTargets(r: Omit<Results, 'targets'>): TargetCheck[] {
  const at = (n: number) => r.scrape.find((s) => s.jobs === n);
  const s1k = at(1000);
  const s10k = at(10_000);
  const out: TargetCheck[] = [];
  const check = (id: string, target: string, ok: boolean | undefined, value: string) =>
    out.push({ id, target, value, status: ok === undefined ? 'NOT RUN' : ok ? 'PASS' : 'MISS' });
  check(
    'scrape_1000_vs_floor',
    '1,000-job scrape ≤ 1.15x the floor',
    s1k === undefined ? undefined : s1k.ratioToFloor <= 1.15,
    s1k ? `${s1k.ratioToFloor}x (${fmt(s1k.wallMs.median, 1)} vs ${fmt(s1k.floor.wallMs.median, 1)} ms)` : '–',
  );
  check(
    'scrape_1000_vs_naive',
    '1,000-job scrape ≥ 20x faster than naive',
    s1k?.speedupVsNaive === null || s1k === undefined ? undefined : s1k.speedupVsNaive >= 20,
    s1k?.speedupVsNaive ? `${s1k.speedupVsNaive}x` : '–',
  );
  check(
    'scrape_10000_wall',
    '10,000-job scrape < 2 s at 2 ms/request',
    s10k === undefined ? undefined : s10k.wallMs.median < 2000,
    s10k ? `${fmt(s10k.wallMs.median)} ms median, ${fmt(s10k.wallMs.p95)} ms p95 (${s10k.ratioToFloor}x floor)` : '–',
  );
  check(
    'scrape_10000_vs_floor',
    '10,000-job scrape ≤ 1.2x the floor',
    s10k === undefined ? undefined : s10k.ratioToFloor <= 1.2,
    s10k ? `${s10k.ratioToFloor}x (${fmt(s10k.wallMs.median)} vs ${fmt(s10k.floor.wallMs.median)} ms)` : '–',
  );
  // The peak of the whole run: after the long run when there was one, since memory grows through its first
  // major collection cycle.
  const rss = s10k === undefined ? undefined : peakOfRun(s10k);
  check(
    'rss_10000',
    'peak RSS ≤ 1.25x the floor client at 10,000 jobs',
    rss === undefined ? undefined : rss.service <= 1.25 * rss.floor,
    s10k !== undefined && rss !== undefined
      ? `${fmt(rss.service)} MB, ${fmt(rss.service / rss.floor, 2)}x the floor client's ` +
          `${fmt(rss.floor)} MB ${rss.over}; after the ${s10k.scrapes} measured scrapes ${fmt(s10k.peakRssMB)} MB, ` +
          `${fmt(s10k.peakRssMB / s10k.floor.peakRssMB, 2)}x; before the first scrape ${fmt(s10k.readyRssMB)} MB ` +
          `(the floor client before its first run ${fmt(s10k.floor.readyRssMB)} MB) (node flags: ` +
          `${s10k.nodeFlags.length === 0 ? "none, Node's defaults" : s10k.nodeFlags.join(' ')})`
      : '–',
  );
  const busy = r.busy.find((s) => s.jobs === 10_000) ?? r.busy[r.busy.length - 1];
  check(
    'rest_calls_busy',
    'REST calls per scrape ≤ 2 + N + M on a busy cluster (N running jobs, M whose checkpoint count moved)',
    busy === undefined ? undefined : busy.restCallsPerScrape <= restCallBound(busy),
    busy === undefined
      ? '–'
      : `${fmt(busy.restCallsPerScrape)} at ${fmt(busy.jobs)} jobs (2 + ${fmt(busy.running)} + ` +
          `${fmt(busy.busy?.moved)}; the earlier exporter ${fmt(busy.previousRestCallsPerScrape)})`,
  );
  const w = r.webhook;
  check(
    'webhook_p99',
    `webhook p99 < 25 ms at 500 req/s`,
    w === null ? undefined : w.latencyMs.p99 < 25 && w.reqPerS >= 0.95 * w.rateTarget && w.non2xx === 0,
    w ? `${fmt(w.latencyMs.p99, 1)} ms at ${fmt(w.reqPerS)} req/s (${w.p99RatioToBaseline}x bare node:http)` : '–',
  );
  check(
    'storm_submissions',
    '1,000 duplicate notifications → exactly 1 submission',
    w === null ? undefined : w.storm.submissions === 1,
    w ? `${w.storm.submissions}` : '–',
  );
  const re = r.reaction;
  check(
    'reaction_p99',
    'reaction p99 < 50 ms',
    re === null ? undefined : re.ms.p99 < 50 && re.failures === 0,
    re ? `${fmt(re.ms.p99, 1)} ms (${re.jobs} jobs)` : '–',
  );
  const ttr = r.timeToRecover;
  check(
    'time_to_recover_p50',
    'time to recover p50 < 20 s (real stack)',
    ttr?.p50Seconds == null ? undefined : ttr.p50Seconds < 20,
    ttr?.p50Seconds == null ? 'not measured' : `${fmt(ttr.p50Seconds, 1)} s`,
  );
  return out;
}

/**
 * The intervals a time-to-recover measurement ran with, as the end-to-end suite recorded them beside each run
 * (`runs[].intervals` or `versions[].intervals`): a figure means little without them.
 */
function intervalsOf(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const { runs, versions } = raw as { runs?: unknown; versions?: unknown };
  const entries = [runs, versions].flatMap((list) => (Array.isArray(list) ? (list as unknown[]) : []));
  const seen = new Set<string>();
  for (const entry of entries) {
    const intervals = (entry as { intervals?: unknown } | null)?.intervals;
    if (intervals === null || typeof intervals !== 'object') continue;
    const text = Object.entries(intervals as Record<string, unknown>)
      .map(([name, value]) => `${name} ${String(value)}`)
      .join(', ');
    seen.add(text);
  }
  return seen.size === 0 ? undefined : [...seen].join('; ');
}

/** The human table, as Markdown. */
export function renderTable(r: Results): string {
  const lines: string[] = [];
  lines.push(
    `Machine: ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memoryGB} GB, ` +
      `Node.js ${r.machine.node} (${r.machine.platform}); ` +
      `${r.mode} run of ${r.startedAt}, ${fmt(r.durationS)} s. ` +
      `Simulated Flink ${r.settings.flinkVersion}: ${r.settings.latencyMs} ms per request, ` +
      `client concurrency ${r.settings.concurrency}.` +
      (r.settings.memoryLimit === undefined
        ? ''
        : ` The service and each floor client ran in a memory cgroup of ${r.settings.memoryLimit} of its own ` +
          "(Node sizes V8's heap from it)."),
    '',
    '**Scrape** (steady state; `first` is the first scrape after start):',
    '',
    '| jobs (instances) | scrape median / p95 | floor median / p95 | × floor | naive | × faster than naive ' +
      '| REST calls (first; before) | CPU / scrape | first scrape | exposition | RSS ready → peak (floor) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const s of r.scrape) {
    lines.push(
      `| ${fmt(s.jobs)} (${fmt(s.instances)}) | ${fmt(s.wallMs.median, 1)} / ${fmt(s.wallMs.p95, 1)} ms | ` +
        `${fmt(s.floor.wallMs.median, 1)} / ${fmt(s.floor.wallMs.p95, 1)} ms | ` +
        `${s.ratioToFloor} | ${s.naive === null ? 'not run' : `${fmt(s.naive.wallMs)} ms`} | ` +
        `${s.speedupVsNaive ?? '–'} | ` +
        `${fmt(s.restCallsPerScrape)} (${fmt(s.first.restCalls)}; ${fmt(s.previousRestCallsPerScrape)}) | ` +
        `${fmt(s.cpuMsPerScrape.median, 1)} ms | ${fmt(s.first.wallMs)} ms, ${fmt(s.first.cpuMs)} ms CPU | ` +
        `${fmt(s.expositionBytes / 1024)} KiB, ${fmt(s.series)} series | ` +
        `${fmt(s.readyRssMB)} → ${fmt(s.peakRssMB)} MB (${fmt(s.floor.readyRssMB)} → ${fmt(s.floor.peakRssMB)} MB) |`,
    );
  }
  lines.push(
    '',
    "**Handing over the exposition** (the answering floor: the floor's requests, then the service's exposition sent " +
      'as one prepared buffer to the same client; what any exporter pays without mapping or rendering):',
    '',
    '| jobs | scrape median | answering floor median / p95 | × answering floor | its peak RSS |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const s of r.scrape) {
    lines.push(
      `| ${fmt(s.jobs)} | ${fmt(s.wallMs.median, 1)} ms | ` +
        `${fmt(s.answerFloor.wallMs.median, 1)} / ${fmt(s.answerFloor.wallMs.p95, 1)} ms | ` +
        `${s.ratioToAnswerFloor} | ${fmt(s.answerFloor.peakRssMB)} MB |`,
    );
  }
  if (r.busy.length > 0) {
    lines.push(
      '',
      `**A busy cluster** (before each scrape one in ${r.busy[0]?.busy?.every ?? '?'} of the RUNNING jobs with ` +
        "checkpointing completes a checkpoint; the floors ask for those jobs' checkpoint statistics as well):",
      '',
      '| jobs | moved per scrape (M) | REST calls (2 + N + M) | scrape median / p95 | floor median / p95 | × floor ' +
        '| × answering floor | CPU / scrape | RSS peak (floor) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const s of r.busy) {
      lines.push(
        `| ${fmt(s.jobs)} | ${fmt(s.busy?.moved)} | ${fmt(s.restCallsPerScrape)} ` +
          `(2 + ${fmt(s.running)} + ${fmt(s.busy?.moved)}) | ` +
          `${fmt(s.wallMs.median, 1)} / ${fmt(s.wallMs.p95, 1)} ms | ` +
          `${fmt(s.floor.wallMs.median, 1)} / ${fmt(s.floor.wallMs.p95, 1)} ms | ${s.ratioToFloor} | ` +
          `${s.ratioToAnswerFloor} | ${fmt(s.cpuMsPerScrape.median, 1)} ms | ` +
          `${fmt(s.peakRssMB)} MB (${fmt(s.floor.peakRssMB)} MB) |`,
      );
    }
  }
  const soaked = r.scrape.filter((s) => s.soak !== null);
  if (soaked.length > 0) {
    lines.push(
      '',
      '**Memory over a long run** (after the measured scrapes, scrapes back to back, then as many floor runs; the ' +
        "service's peak RSS after each tenth of them):",
      '',
      '| jobs | scrapes | service peak RSS, MB | floor client peak RSS | × floor at the end |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const s of soaked) {
      const soak = s.soak as SoakResult;
      const peak = peakOfRun(s);
      lines.push(
        `| ${fmt(s.jobs)} | ${fmt(soak.scrapes)} | ${soak.peakRssMB.map((v) => fmt(v)).join(' → ')} | ` +
          `${fmt(peak.floor)} MB | ${fmt(peak.service / peak.floor, 2)} |`,
      );
    }
  }
  const w = r.webhook;
  if (w !== null) {
    lines.push(
      '',
      '**Webhook and recovery:**',
      '',
      '| figure | value | baseline | × baseline |',
      '| --- | --- | --- | --- |',
      `| POST /alertmanager at ${fmt(w.rateTarget)} req/s (${w.durationS} s) | ` +
        `${fmt(w.reqPerS)} req/s, p50 ${fmt(w.latencyMs.p50, 1)} ms, p99 ${fmt(w.latencyMs.p99, 1)} ms, ` +
        `${fmt(w.non2xx)} non-2xx | ` +
        `bare node:http JSON receiver: p50 ${fmt(w.baseline.latencyMs.p50, 1)} ms, ` +
        `p99 ${fmt(w.baseline.latencyMs.p99, 1)} ms | ${w.p99RatioToBaseline} (p99) |`,
      `| storm: ${fmt(w.storm.notifications)} duplicate notifications of one FAILED job | ` +
        `${w.storm.submissions} submission(s), ${fmt(w.storm.reqPerS)} req/s, ${fmt(w.storm.non2xx)} non-2xx | ` +
        '1 submission | – |',
    );
    const re = r.reaction;
    if (re !== null) {
      lines.push(
        `| reaction: webhook answered → run request at Flink (${re.jobs} jobs) | ` +
          `p50 ${fmt(re.ms.p50, 1)} ms, p90 ${fmt(re.ms.p90, 1)} ms, p99 ${fmt(re.ms.p99, 1)} ms ` +
          `(first ${re.warmupMs.length} after start, not counted: ${re.warmupMs.join(', ')} ms) | ` +
          `the same REST calls one after another: p50 ${re.latencyFloorMs} ms | ${re.p50RatioToFloor} (p50) |`,
        `| polls while ${fmt(re.verifying.episodes)} episodes verify | ` +
          `${fmt(re.verifying.overviewReadsPerS, 1)} reads of /jobs/overview per s | ` +
          `one read per episode and poll: ${fmt(re.verifying.perEpisodeReadsPerS, 1)} per s | ` +
          `${
            re.verifying.perEpisodeReadsPerS === 0
              ? '–'
              : fmt(re.verifying.overviewReadsPerS / re.verifying.perEpisodeReadsPerS, 2)
          } |`,
      );
    }
  }
  const ttr = r.timeToRecover;
  lines.push(
    '',
    `**Time to recover on the real stack:** ${
      ttr === null
        ? 'not measured in this run (run npm run test:e2e)'
        : `${ttr.p50Seconds === null ? '?' : fmt(ttr.p50Seconds, 1)} s p50 (from ${ttr.source}${
            intervalsOf(ttr.raw) === undefined ? '' : `, measured with ${intervalsOf(ttr.raw)}`
          })`
    }`,
    '',
    '**Targets:**',
    '',
    '| target | value | |',
    '| --- | --- | --- |',
  );
  for (const t of r.targets) lines.push(`| ${t.target} | ${t.value} | ${t.status} |`);
  return `${lines.join('\n')}\n`;
}

/**
 * What a memory limit costs: one row per size of each run, the run without a limit first, at the sizes measured
 * under a limit. The peak is that of the whole run (the long run's included), for the service and the floor client
 * alike.
 */
export function renderMemoryLimits(unlimited: Results, limited: readonly Results[]): string {
  const lines = [
    '| memory limit | jobs | scrape median (× floor) | CPU / scrape | service peak RSS | floor client peak RSS ' +
      '| × floor | run |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  // The run without a limit shows only the sizes measured under one.
  const sizes = new Set(limited.flatMap((r) => r.scrape.map((s) => s.jobs)));
  for (const r of [unlimited, ...limited]) {
    for (const s of r.scrape.filter((x) => sizes.has(x.jobs))) {
      const peak = peakOfRun(s);
      lines.push(
        `| ${r.settings.memoryLimit ?? `none (${r.machine.memoryGB} GB host)`} | ${fmt(s.jobs)} | ` +
          `${fmt(s.wallMs.median, 1)} ms (${s.ratioToFloor}) | ${fmt(s.cpuMsPerScrape.median, 1)} ms | ` +
          `${fmt(peak.service)} MB ${peak.over} | ${fmt(peak.floor)} MB | ${fmt(peak.service / peak.floor, 2)} | ` +
          `${r.startedAt.slice(0, 10)}${r.mode === 'quick' ? ' (quick)' : ''} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
