/** The benchmark's scenarios; each starts its own simulator, service and baseline processes and stops them. */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { recoverySchema } from '../src/config/schema.js';
import { pollInterval } from '../src/recovery/model/timing.js';
import type { Confine } from './cgroup.js';
import { Child } from './ipc.js';
import { jobName, type MixSummary } from './mix.js';
import { webhookBody, type AlertSpec } from './payloads.js';
import { peakRssOf, rssOf, ServiceProcess, timedGet, TOKEN, type CatalogJob, type Scrape } from './service.js';
import { median, p95, quantile, round } from './stats.js';

export interface Env {
  readonly root: string;
  /** dist/bench, where the child entries are. */
  readonly here: string;
  readonly latencyMs: number;
  readonly concurrency: number;
  readonly serviceExecArgv: readonly string[];
  /** Runs the service and the floor clients each in a memory cgroup of their own (`--memory-limit`). */
  readonly confine: Confine;
  readonly log: (line: string) => void;
}

interface FetchRun {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly requests: number;
  readonly bytes: number;
}

async function startSim(env: Env): Promise<Child> {
  return Child.start(join(env.here, 'sim-server.js'), [JSON.stringify({ latencyMs: env.latencyMs })]);
}

export interface ScrapeResult {
  readonly jobs: number;
  readonly instances: number;
  /** Job names with a RUNNING instance: the N of the 2 + N + M REST calls of a scrape. */
  readonly running: number;
  readonly catalogJobs: number;
  /**
   * A busy cluster: before each measured scrape one in `every` of the RUNNING jobs with checkpointing completes a
   * checkpoint (`moved` of them, the M), and the floors ask for those jobs' statistics as well. Null for the
   * steady state, where nothing changes between scrapes.
   */
  readonly busy: { readonly every: number; readonly moved: number } | null;
  readonly scrapes: number;
  readonly first: { readonly wallMs: number; readonly restCalls: number; readonly cpuMs: number };
  readonly wallMs: { readonly median: number; readonly p95: number };
  readonly cpuMsPerScrape: { readonly median: number; readonly p95: number };
  readonly restCallsPerScrape: number;
  /** What the earlier exporter made per steady scrape of the same mix (2 + 2N: statistics and restarts apart). */
  readonly previousRestCallsPerScrape: number;
  readonly expositionBytes: number;
  readonly series: number;
  readonly peakRssMB: number;
  /**
   * RSS once the service is ready, before its first scrape: Node, the loaded modules and what the configuration
   * holds (the catalog and the recoverer's series), the part of the peak that does not grow with the jobs.
   */
  readonly readyRssMB: number;
  /**
   * The node flags the service ran with: the launcher's (bin/flink-guardian.js), as users run it, and any the
   * benchmark was asked to add.
   */
  readonly nodeFlags: readonly string[];
  readonly floor: {
    readonly wallMs: { readonly median: number; readonly p95: number };
    readonly cpuMs: number;
    readonly requests: number;
    readonly firstWallMs: number;
    /** Peak RSS of the floor's own process: what a bare client of the same requests needs. */
    readonly peakRssMB: number;
    /** Its RSS before its first run, with the paths it will ask for. */
    readonly readyRssMB: number;
  };
  /**
   * The answering floor: the floor's requests, then the service's exposition sent as one prepared buffer over
   * HTTP to the same client, timed as the service is. What any exporter pays for the calls and for handing over
   * the text, without mapping or rendering it.
   */
  readonly answerFloor: {
    readonly wallMs: { readonly median: number; readonly p95: number };
    /** Peak RSS of the answering floor's process, which holds the exposition. */
    readonly peakRssMB: number;
  };
  readonly naive: { readonly wallMs: number; readonly requests: number; readonly runs: number } | null;
  /** The long run after the measured scrapes; null when none was asked for. */
  readonly soak: SoakResult | null;
  readonly ratioToFloor: number;
  readonly p95RatioToFloor: number;
  readonly ratioToAnswerFloor: number;
  readonly speedupVsNaive: number | null;
}

/**
 * Memory over many scrapes: what a scrape promotes into V8's old generation stays there until a major collection,
 * which V8 starts only once that generation has grown by a multiple of what is live; ten scrapes show the peak
 * before the first such cycle, an operator's service lives through many.
 */
export interface SoakResult {
  /** Scrapes made back to back after the measured ones; the floor made as many runs. */
  readonly scrapes: number;
  /** The service's peak RSS (MB) after each `every` of them. */
  readonly every: number;
  readonly peakRssMB: readonly number[];
  /** The floor client's peak RSS after as many runs. */
  readonly floorPeakRssMB: number;
}

export interface ScrapeOptions {
  /** Measured scrapes, each followed by a floor run and an answering floor run. */
  readonly reps: number;
  readonly naiveRuns: number;
  /** Scrapes back to back after the measured ones (SoakResult); 0 for none. */
  readonly soakScrapes: number;
  /** One in how many checkpointing jobs completes a checkpoint before each measured scrape; 0 for none. */
  readonly busyEvery: number;
}

/** Scrape cost at `n` job names: the service, the floor and (optionally) the naive poller, interleaved. */
export async function scrapeScenario(
  env: Env,
  n: number,
  { reps, naiveRuns, soakScrapes, busyEvery }: ScrapeOptions,
): Promise<ScrapeResult> {
  const sim = await startSim(env);
  const procs: { stop(): Promise<void> }[] = [sim];
  try {
    const simUrl = String(sim.hello.url);
    const mix = await sim.call<MixSummary>('populate', { n });
    // A tenth of the jobs are in the recovery catalog: a big cluster where only some jobs are auto-recovered.
    const catalog: CatalogJob[] = [];
    for (let i = 5; i < n; i += 10) catalog.push({ name: jobName(i) });
    const svc = await ServiceProcess.start({
      root: env.root,
      simUrl,
      concurrency: env.concurrency,
      catalog,
      execArgv: env.serviceExecArgv,
      confine: env.confine,
    });
    procs.push(svc);
    const readyRssMB = rssOf(svc.pid) / (1024 * 1024);
    const fetcher = await Child.start(
      join(env.here, 'fetcher.js'),
      [JSON.stringify({ url: simUrl, concurrency: env.concurrency })],
      env.confine,
    );
    procs.push(fetcher);
    await fetcher.call('setPaths', { paths: mix.steadyPaths });
    const floorReadyRssMB = rssOf(fetcher.pid) / (1024 * 1024);
    const answerer = await Child.start(
      join(env.here, 'fetcher.js'),
      [JSON.stringify({ url: simUrl, concurrency: env.concurrency, answer: true })],
      env.confine,
    );
    procs.push(answerer);
    await answerer.call('setPaths', { paths: mix.steadyPaths });
    const answerUrl = String(answerer.hello.url);
    const calls = async () => (await sim.call<{ total: number }>('counts')).total;

    await sim.call('resetCounts');
    const cpu0 = svc.cpuSeconds();
    const before = await svc.scrape();
    const firstCpuMs = (svc.cpuSeconds() - cpu0) * 1000;
    const beforeCalls = await calls();
    await sim.call('resetCounts');
    const second = await svc.scrape();
    env.log(
      `  ${n} jobs: first scrape ${round(before.wallMs, 0)} ms, ${beforeCalls} REST calls; ` +
        `second ${round(second.wallMs, 0)} ms`,
    );
    const floorFirst = await fetcher.call<FetchRun>('floor', { paths: mix.coldPaths });
    await fetcher.call<FetchRun>('floor', {}); // warm-up, not counted
    const answerFile = join(tmpdir(), `guardian-bench-exposition-${process.pid}.txt`);
    writeFileSync(answerFile, svc.lastExposition);
    try {
      await answerer.call('setAnswer', { file: answerFile });
    } finally {
      rmSync(answerFile, { force: true });
    }
    await timedGet(answerUrl); // warm-up, not counted

    const scrapes: Scrape[] = [];
    const cpuMs: number[] = [];
    const restCalls: number[] = [];
    const floors: FetchRun[] = [];
    const answers: number[] = [];
    const moved: number[] = [];
    let prev = second;
    for (let i = 0; i < reps; i += 1) {
      if (busyEvery > 0) {
        const paths = await sim.call<string[]>('advance', { every: busyEvery, round: i });
        moved.push(paths.length);
        await fetcher.call('setExtra', { paths });
        await answerer.call('setExtra', { paths });
      }
      await sim.call('resetCounts');
      const s = await svc.scrape();
      restCalls.push(await calls());
      cpuMs.push((s.cpuSeconds - prev.cpuSeconds) * 1000);
      prev = s;
      scrapes.push(s);
      floors.push(await fetcher.call<FetchRun>('floor', {}));
      answers.push((await timedGet(answerUrl)).wallMs);
    }
    const naive: FetchRun[] = [];
    for (let i = 0; i < naiveRuns; i += 1) naive.push(await fetcher.call<FetchRun>('naive', { paths: mix.naivePaths }));
    const peakRssMB = svc.peakRss() / (1024 * 1024);
    const floorRssMB = peakRssOf(fetcher.pid) / (1024 * 1024);
    const answerRssMB = peakRssOf(answerer.pid) / (1024 * 1024);
    const soak = soakScrapes > 0 ? await soakRun(env, n, soakScrapes, svc, fetcher) : null;

    const wall = scrapes.map((s) => s.wallMs);
    const floorWall = floors.map((f) => f.wallMs);
    const naiveWall = naive.length === 0 ? Number.NaN : median(naive.map((r) => r.wallMs));
    const last = scrapes[scrapes.length - 1] ?? second;
    const result: ScrapeResult = {
      jobs: n,
      instances: mix.instances,
      running: mix.running,
      catalogJobs: catalog.length,
      busy: busyEvery > 0 ? { every: busyEvery, moved: median(moved) } : null,
      scrapes: reps,
      first: { wallMs: round(before.wallMs, 1), restCalls: beforeCalls, cpuMs: round(firstCpuMs, 0) },
      wallMs: { median: round(median(wall), 1), p95: round(p95(wall), 1) },
      cpuMsPerScrape: { median: round(median(cpuMs), 1), p95: round(p95(cpuMs), 1) },
      restCallsPerScrape: median(restCalls),
      previousRestCallsPerScrape: mix.previousSteadyCalls,
      expositionBytes: last.bytes,
      series: last.series,
      peakRssMB: round(peakRssMB, 1),
      readyRssMB: round(readyRssMB, 1),
      nodeFlags: svc.nodeFlags,
      floor: {
        wallMs: { median: round(median(floorWall), 1), p95: round(p95(floorWall), 1) },
        cpuMs: round(median(floors.map((f) => f.cpuMs)), 1),
        requests: floors[0]?.requests ?? 0,
        firstWallMs: round(floorFirst.wallMs, 1),
        peakRssMB: round(floorRssMB, 1),
        readyRssMB: round(floorReadyRssMB, 1),
      },
      answerFloor: {
        wallMs: { median: round(median(answers), 1), p95: round(p95(answers), 1) },
        peakRssMB: round(answerRssMB, 1),
      },
      naive:
        naive.length === 0
          ? null
          : { wallMs: round(naiveWall, 0), requests: naive[0]?.requests ?? 0, runs: naive.length },
      soak,
      ratioToFloor: round(median(wall) / median(floorWall), 2),
      p95RatioToFloor: round(p95(wall) / p95(floorWall), 2),
      ratioToAnswerFloor: round(median(wall) / median(answers), 2),
      speedupVsNaive: naive.length === 0 ? null : round(naiveWall / median(wall), 1),
    };
    const svcErrors = svc.errors.trim();
    if (svcErrors !== '') env.log(`  service stderr: ${svcErrors.slice(0, 500)}`);
    return result;
  } finally {
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
  }
}

/** `scrapes` service scrapes back to back, then as many floor runs; the peaks are read as they go. */
async function soakRun(env: Env, n: number, scrapes: number, svc: ServiceProcess, fetcher: Child): Promise<SoakResult> {
  const every = Math.max(1, Math.round(scrapes / 10));
  const peakRssMB: number[] = [];
  for (let i = 1; i <= scrapes; i += 1) {
    await timedGet(`${svc.base}/metrics`);
    if (i % every === 0 || i === scrapes) peakRssMB.push(round(svc.peakRss() / (1024 * 1024), 1));
  }
  for (let i = 0; i < scrapes; i += 1) await fetcher.call<FetchRun>('floor', {});
  const floorPeakRssMB = round(peakRssOf(fetcher.pid) / (1024 * 1024), 1);
  env.log(`  ${n} jobs, ${scrapes} more scrapes: peak RSS ${peakRssMB.join(' ')} MB; floor ${floorPeakRssMB} MB`);
  return { scrapes, every, peakRssMB, floorPeakRssMB };
}

export interface WebhookResult {
  readonly rateTarget: number;
  readonly durationS: number;
  readonly reqPerS: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly baseline: { readonly reqPerS: number; readonly latencyMs: { readonly p50: number; readonly p99: number } };
  readonly p99RatioToBaseline: number;
  readonly storm: {
    readonly notifications: number;
    readonly non2xx: number;
    readonly submissions: number;
    readonly reqPerS: number;
  };
}

export interface ReactionResult {
  readonly jobs: number;
  readonly ms: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /** Cold reactions before the measured ones (the service's first recoveries after start), not in the quantiles. */
  readonly warmupMs: readonly number[];
  /**
   * The floor of the reaction: the REST calls on its path (`/jobs/overview`, then the failed instance's
   * checkpoints and `/jars` together), made one after another by the floor client, p50 of as many runs.
   */
  readonly latencyFloorMs: number;
  readonly p50RatioToFloor: number;
  readonly failures: number;
  /**
   * After the last reaction: the recoverer's `/jobs/overview` reads per second over one poll interval while the
   * reacted jobs' episodes verify, beside the reads one read per episode and poll would make.
   */
  readonly verifying: {
    readonly episodes: number;
    readonly overviewReadsPerS: number;
    readonly perEpisodeReadsPerS: number;
  };
}

interface LoadResult {
  readonly requests: number;
  readonly durationS: number;
  readonly reqPerS: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
  };
  readonly ok2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

/** Payloads of the load test: what Alertmanager sends a receiver that sees every Flink alert of a cluster. */
function loadBodies(running: readonly string[]): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < 20; i += 1) {
    const job = running[i % running.length] ?? 'none';
    const kind = i % 5;
    const alerts: AlertSpec[] =
      kind === 0 || kind === 1
        ? [{ alertname: 'FlinkJobFailed', job }] // firing, but Flink says it runs: instance_active
        : kind === 2
          ? [{ alertname: 'FlinkJobFailed', job, status: 'resolved' }]
          : kind === 3
            ? [{ alertname: 'FlinkCheckpointStalled', job, severity: 'warning' }]
            : [0, 1, 2].map((k) => ({
                alertname: 'FlinkJobNotRunning',
                job: running[(i + k) % running.length] ?? job,
                severity: 'warning',
              }));
    bodies.push(webhookBody(alerts));
  }
  return bodies;
}

/** How often an open episode of the benchmark's service (recovery defaults) looks at Flink. */
const DEFAULT_POLL_MS = pollInterval(recoverySchema.parse({}));

/** Reactions measured first and left out of the quantiles: the JIT's first recoveries after the service started. */
const REACTION_WARMUP = 5;

/** Webhook intake at a fixed rate, its bare-HTTP baseline, the duplicate storm, then the reaction time. */
export async function webhookScenario(
  env: Env,
  o: { rate: number; durationS: number; stormSize: number; reactionJobs: number },
): Promise<{ webhook: WebhookResult; reaction: ReactionResult }> {
  const sim = await startSim(env);
  const procs: { stop(): Promise<void> }[] = [sim];
  try {
    const simUrl = String(sim.hello.url);
    const mix = await sim.call<MixSummary>('populate', { n: 200 });
    void mix;
    const running: string[] = [];
    for (let i = 4; i < 200; i += 20) running.push(jobName(i), jobName(i + 1), jobName(i + 2));
    const catalog: CatalogJob[] = Array.from({ length: 200 }, (_, i) => ({ name: jobName(i) }));
    await sim.call('addJar', { fileName: 'pipeline.jar' });
    // The storm's job: FAILED with a retained checkpoint.
    const stormId = await sim.call<string>('addJob', { name: 'storm-job', startTime: Date.now() - 3_600_000 });
    await sim.call('completeCheckpoint', { jobId: stormId });
    await sim.call('fail', { jobId: stormId });
    await sim.call('mapJob', { key: 'com.example.Storm', name: 'storm-job' });
    catalog.push({ name: 'storm-job', entryClass: 'com.example.Storm' });
    const reactNames: string[] = [];
    const reactIds: string[] = [];
    for (let i = 0; i < o.reactionJobs + REACTION_WARMUP; i += 1) {
      const name = `reaction-${String(i).padStart(3, '0')}`;
      const id = await sim.call<string>('addJob', { name, startTime: Date.now() - 3_600_000 });
      await sim.call('completeCheckpoint', { jobId: id });
      await sim.call('fail', { jobId: id });
      reactIds.push(id);
      const entryClass = `com.example.Reaction${i}`;
      await sim.call('mapJob', { key: entryClass, name });
      catalog.push({ name, entryClass });
      reactNames.push(name);
    }
    const svc = await ServiceProcess.start({
      root: env.root,
      simUrl,
      concurrency: env.concurrency,
      catalog,
      execArgv: env.serviceExecArgv,
      confine: env.confine,
    });
    procs.push(svc);
    const loader = await Child.start(join(env.here, 'load.js'));
    procs.push(loader);
    const bare = await Child.start(join(env.here, 'bare-server.js'));
    procs.push(bare);
    const fetcher = await Child.start(
      join(env.here, 'fetcher.js'),
      [JSON.stringify({ url: simUrl, concurrency: env.concurrency })],
      env.confine,
    );
    procs.push(fetcher);

    // 1. Intake at a fixed rate, and the same load against a bare node:http JSON receiver.
    const bodies = loadBodies(running);
    const common = { bodies, token: TOKEN, connections: 10, rate: o.rate, durationS: o.durationS };
    await loader.call<LoadResult>('load', { ...common, url: svc.base, durationS: 1 }); // warm-up
    const intake = await loader.call<LoadResult>('load', { ...common, url: svc.base });
    await loader.call<LoadResult>('load', { ...common, url: String(bare.hello.url), durationS: 1 }); // warm-up
    const base = await loader.call<LoadResult>('load', { ...common, url: String(bare.hello.url) });
    env.log(
      `  webhook: ${round(intake.reqPerS, 0)} req/s, p50 ${intake.latencyMs.p50} ms, p99 ${intake.latencyMs.p99} ms ` +
        `(bare: p99 ${base.latencyMs.p99} ms)`,
    );

    // 2. The storm: duplicates of one FAILED job's notification, as fast as they go.
    const stormBody = webhookBody([{ alertname: 'FlinkJobFailed', job: 'storm-job' }]);
    const storm = await loader.call<LoadResult>('load', {
      url: svc.base,
      bodies: [stormBody],
      token: TOKEN,
      connections: 20,
      amount: o.stormSize,
    });
    await sim.call('waitRun', { entryClass: 'com.example.Storm', timeoutMs: 10_000 });
    await sleep(1500); // anything queued behind the first would have landed by now
    const stormRuns = await sim.call<unknown[]>('runs', { entryClass: 'com.example.Storm' });
    env.log(`  storm: ${o.stormSize} notifications, ${storm.non2xx} non-2xx, ${stormRuns.length} submission(s)`);

    // 3. Reaction: one job at a time, from the webhook's answer to the run request arriving at Flink.
    await sim.call('setLatency', { ms: 0, endpoint: 'POST /jars/:jarid/run' });
    const reactions: number[] = [];
    const warmupMs: number[] = [];
    const floors: number[] = [];
    let failures = 0;
    for (let i = 0; i < reactNames.length; i += 1) {
      const body = webhookBody([{ alertname: 'FlinkJobFailed', job: reactNames[i] ?? '' }]);
      const status = await svc.postAlert(body);
      const acceptedAt = Date.now();
      const run = await sim.call<{ at: number } | null>('waitRun', {
        entryClass: `com.example.Reaction${i}`,
        timeoutMs: 10_000,
      });
      if (status !== 200 || run === null) {
        failures += 1;
        continue;
      }
      if (i < REACTION_WARMUP) warmupMs.push(Math.max(0, run.at - acceptedAt));
      else reactions.push(Math.max(0, run.at - acceptedAt));
      // The same calls by the floor client, interleaved so both see the same machine.
      const steps = [['/jobs/overview'], [`/jobs/${reactIds[i] ?? ''}/checkpoints`, '/jars']];
      floors.push((await fetcher.call<FetchRun>('path', { steps })).wallMs);
    }
    const latencyFloorMs = round(quantile(floors, 0.5), 1);
    const p50 = quantile(reactions, 0.5);
    env.log(`  reaction: p50 ${p50} ms, p99 ${quantile(reactions, 0.99)} ms over ${reactions.length} jobs`);

    // 4. The polls of the episodes that verify now (the defaults: resetAfter 10 min, polled every 5 s).
    const episodes = (await svc.episodes()).filter((e) => e.status === 'open').length;
    await sim.call('resetCounts');
    const pollS = DEFAULT_POLL_MS / 1000;
    await sleep(DEFAULT_POLL_MS);
    const counts = await sim.call<{ byEndpoint: Record<string, number> }>('counts');
    const verifying = {
      episodes,
      overviewReadsPerS: round((counts.byEndpoint['GET /jobs/overview'] ?? 0) / pollS, 1),
      perEpisodeReadsPerS: round(episodes / pollS, 1),
    };
    env.log(
      `  verifying: ${episodes} episodes, ${verifying.overviewReadsPerS} reads of /jobs/overview per s ` +
        `(one per episode and poll: ${verifying.perEpisodeReadsPerS})`,
    );
    const svcErrors = svc.errors.trim();
    if (svcErrors !== '') env.log(`  service stderr: ${svcErrors.slice(0, 500)}`);
    return {
      webhook: {
        rateTarget: o.rate,
        durationS: o.durationS,
        reqPerS: round(intake.reqPerS, 0),
        latencyMs: {
          p50: intake.latencyMs.p50,
          p90: intake.latencyMs.p90,
          p99: intake.latencyMs.p99,
          max: intake.latencyMs.max,
        },
        non2xx: intake.non2xx,
        errors: intake.errors + intake.timeouts,
        baseline: { reqPerS: round(base.reqPerS, 0), latencyMs: { p50: base.latencyMs.p50, p99: base.latencyMs.p99 } },
        p99RatioToBaseline: round(intake.latencyMs.p99 / Math.max(base.latencyMs.p99, 1), 2),
        storm: {
          notifications: o.stormSize,
          non2xx: storm.non2xx + storm.errors,
          submissions: stormRuns.length,
          reqPerS: round(storm.reqPerS, 0),
        },
      },
      reaction: {
        jobs: reactions.length,
        ms: { p50, p90: quantile(reactions, 0.9), p99: quantile(reactions, 0.99), max: quantile(reactions, 1) },
        warmupMs,
        latencyFloorMs,
        p50RatioToFloor: round(p50 / latencyFloorMs, 2),
        failures,
        verifying,
      },
    };
  } finally {
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
  }
}
