import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { joiningFirst, MemoryCgroups, parseMemoryLimit } from '../../../bench/cgroup.js';
import { choiceFlag, countFlag, countsFlag } from '../../../bench/flags.js';
import { advance, jobName, populate } from '../../../bench/mix.js';
import { webhookBody } from '../../../bench/payloads.js';
import { checkTargets, renderMemoryLimits, renderTable, type Results } from '../../../bench/report.js';
import type { ScrapeResult, SoakResult } from '../../../bench/scenarios.js';
import { configYaml, launcherNodeFlags } from '../../../bench/service.js';
import { ManualClock } from '../../support/clock.js';
import { readServeConfig } from '../../../src/config/load.js';
import { errorMessage } from '../../../src/errors.js';
import { clusterSchema, exporterSchema } from '../../../src/config/schema.js';
import { Exporter } from '../../../src/exporter/exporter.js';
import { createFlinkClient } from '../../../src/flink/client.js';
import { silentLogger } from '../../../src/log.js';
import { FileJobMemory } from '../../../src/state/job-memory-file.js';
import { parsePayload } from '../../../src/webhook/payload.js';
import { startFlinkSimulator } from '../../support/flink-sim/simulator.js';

describe('benchmark harness', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('the floor fetches exactly the requests of the exporter, first and steady scrape', async () => {
    const sim = await startFlinkSimulator();
    closers.push(() => sim.close());
    const mix = populate(sim, 200);
    assert.equal(mix.names, 200);
    assert.ok(mix.failedBesideSuccessor > 0 && mix.terminal > 0 && mix.checkpointingOff > 0);
    const client = createFlinkClient(clusterSchema.parse({ name: 'bench', url: sim.url }));
    closers.push(() => client.close());
    const memory = await FileJobMemory.open(await mkdtemp(join(tmpdir(), 'guardian-bench-')));
    const exporter = new Exporter({
      clients: [client],
      catalog: [],
      memory,
      clock: new ManualClock(),
      logger: silentLogger(),
      registry: new Registry(),
      config: exporterSchema.parse({}),
    });
    sim.resetCounts();
    await exporter.collect();
    assert.equal(sim.requestCount(), 2 + mix.coldPaths.length);
    sim.resetCounts();
    const text = await exporter.collect();
    assert.equal(sim.requestCount(), 2 + mix.steadyPaths.length);
    assert.match(text, new RegExp(`job_name="${jobName(199)}"`));
    assert.equal(mix.steadyPaths.length, mix.running);
    // A busy cluster: the jobs whose checkpoint count moved cost their statistics as well, and only they.
    for (const round of [0, 1]) {
      const moved = advance(sim, mix.checkpointing, 10, round);
      assert.ok(moved.length > 0 && moved.length <= Math.ceil(mix.checkpointing.length / 10));
      sim.resetCounts();
      await exporter.collect();
      assert.equal(sim.requestCount(), 2 + mix.running + moved.length);
      assert.equal(sim.requestCount('GET /jobs/:jobid/checkpoints'), moved.length);
    }
  });

  it('writes a configuration the service accepts, files included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'guardian-bench-config-'));
    const jar = join(dir, 'pipeline.jar');
    await writeFile(jar, 'PK');
    const file = join(dir, 'guardian.yaml');
    await writeFile(
      file,
      configYaml({
        listen: '127.0.0.1:1',
        stateDir: join(dir, 'state'),
        simUrl: 'http://127.0.0.1:2',
        concurrency: 64,
        catalog: [{ name: 'a', entryClass: 'com.example.A' }],
        jar,
      }),
    );
    const config = await readServeConfig(file);
    assert.equal(config.clusters[0]?.concurrency, 64);
    assert.equal(config.jobs[0]?.jar, jar);
  });

  it('sends valid version-4 payloads', () => {
    const body = JSON.parse(
      webhookBody([
        { alertname: 'FlinkJobFailed', job: 'orders' },
        { alertname: 'FlinkJobFailed', job: 'x', status: 'resolved' },
      ]),
    ) as unknown;
    const parsed = parsePayload(body);
    assert.ok(parsed.ok);
    assert.equal(parsed.payload.alerts[0]?.labels.flink_recovery, 'auto');
  });

  it('checks every target and prints every figure', () => {
    const scrape = (jobs: number, soak: SoakResult | null = null): ScrapeResult => ({
      jobs,
      instances: jobs,
      running: jobs - 2,
      catalogJobs: 0,
      busy: null,
      scrapes: 1,
      first: { wallMs: 1, restCalls: 1, cpuMs: 1 },
      wallMs: { median: 100, p95: 110 },
      cpuMsPerScrape: { median: 50, p95: 60 },
      restCallsPerScrape: jobs,
      previousRestCallsPerScrape: 2 + 2 * jobs,
      expositionBytes: 1024,
      series: 10,
      peakRssMB: 100,
      readyRssMB: 70,
      nodeFlags: [],
      floor: {
        wallMs: { median: 90, p95: 100 },
        cpuMs: 40,
        requests: 2 * jobs,
        firstWallMs: 1,
        peakRssMB: 85,
        readyRssMB: 50,
      },
      answerFloor: { wallMs: { median: 95, p95: 105 }, peakRssMB: 90 },
      naive: jobs > 1000 ? null : { wallMs: 5000, requests: 3 * jobs, runs: 1 },
      soak,
      ratioToFloor: 1.11,
      p95RatioToFloor: 1.1,
      ratioToAnswerFloor: 1.05,
      speedupVsNaive: jobs > 1000 ? null : 50,
    });
    const partial: Omit<Results, 'targets'> = {
      schema: 1,
      mode: 'full',
      startedAt: '2026-01-01T00:00:00.000Z',
      durationS: 1,
      machine: { cpus: 2, model: 'cpu', node: 'v20', platform: 'linux x64', memoryGB: 1 },
      settings: { latencyMs: 2, concurrency: 64, flinkVersion: '1.20.1' },
      // Memory grows through the long run: the peak of the whole run is what the target is checked against.
      scrape: [
        scrape(100),
        scrape(1000),
        scrape(10_000, { scrapes: 200, every: 20, peakRssMB: [100, 104, 120], floorPeakRssMB: 86 }),
      ],
      // 2 + (10,000 - 2) + 900: within the bound.
      busy: [{ ...scrape(10_000), busy: { every: 10, moved: 900 }, restCallsPerScrape: 10_900 }],
      webhook: {
        rateTarget: 500,
        durationS: 10,
        reqPerS: 500,
        latencyMs: { p50: 1, p90: 2, p99: 3, max: 4 },
        non2xx: 0,
        errors: 0,
        baseline: { reqPerS: 500, latencyMs: { p50: 1, p99: 2 } },
        p99RatioToBaseline: 1.5,
        storm: { notifications: 1000, non2xx: 0, submissions: 2, reqPerS: 900 },
      },
      reaction: {
        jobs: 200,
        ms: { p50: 10, p90: 12, p99: 14, max: 15 },
        warmupMs: [40, 20],
        latencyFloorMs: 8,
        p50RatioToFloor: 1.25,
        failures: 0,
        verifying: { episodes: 200, overviewReadsPerS: 0.8, perEpisodeReadsPerS: 40 },
      },
      timeToRecover: null,
    };
    const targets = checkTargets(partial);
    const status = Object.fromEntries(targets.map((t) => [t.id, t.status]));
    assert.deepEqual(status, {
      scrape_1000_vs_floor: 'PASS',
      scrape_1000_vs_naive: 'PASS',
      scrape_10000_wall: 'PASS',
      scrape_10000_vs_floor: 'PASS',
      rss_10000: 'MISS',
      rest_calls_busy: 'PASS',
      webhook_p99: 'PASS',
      storm_submissions: 'MISS',
      reaction_p99: 'PASS',
      time_to_recover_p50: 'NOT RUN',
    });
    const table = renderTable({ ...partial, targets });
    assert.match(table, /not measured in this run \(run npm run test:e2e\)/);
    assert.match(table, /\| 10,000 \(10,000\) \|/);
    assert.match(table, /120 MB, 1\.4x the floor client's 86 MB over 203 scrapes; after the 1 measured scrapes 100 MB/);
    assert.match(
      table,
      /100 MB, 1\.18x; before the first scrape 70 MB \(the floor client before its first run 50 MB\)/,
    );
    assert.match(table, /first run 50 MB\) \(node flags: none, Node's defaults\)/);
    assert.match(table, /\| 70 → 100 MB \(50 → 85 MB\) \|/);
    assert.match(table, /\| 10,000 \| 200 \| 100 → 104 → 120 \| 86 MB \| 1\.4 \|/);
    // Without a long run, the peak of the measured scrapes.
    const short = checkTargets({ ...partial, scrape: [scrape(10_000)] }).find((t) => t.id === 'rss_10000');
    assert.equal(short?.status, 'PASS');
    assert.match(short?.value ?? '', /^100 MB, 1\.18x the floor client's 85 MB over 3 scrapes;/);
    assert.match(table, /\| 1,000 \| 100 ms \| 95 \/ 105 ms \| 1\.05 \| 90 MB \|/);
    assert.match(table, /one in 10 of the RUNNING jobs/);
    assert.match(
      table,
      /\| 10,000 \| 900 \| 10,900 \(2 \+ 9,998 \+ 900\) \| 100 \/ 110 ms \| 90 \/ 100 ms \| 1\.11 \|/,
    );
    assert.equal(table.match(/\| (PASS|MISS|NOT RUN) \|/g)?.length, 10);
    // One call beyond 2 + N + M is a miss; no busy run is not run.
    const over = {
      ...partial,
      busy: [{ ...scrape(10_000), busy: { every: 10, moved: 900 }, restCallsPerScrape: 10_901 }],
    };
    assert.equal(checkTargets(over).find((t) => t.id === 'rest_calls_busy')?.status, 'MISS');
    assert.equal(checkTargets({ ...partial, busy: [] }).find((t) => t.id === 'rest_calls_busy')?.status, 'NOT RUN');

    // Under a memory limit: the run says so, and its rows stand beside the unlimited run's of the same sizes.
    const limited: Results = {
      ...partial,
      targets,
      mode: 'quick',
      startedAt: '2026-01-02T00:00:00.000Z',
      settings: { ...partial.settings, memoryLimit: '512Mi' },
      scrape: [scrape(10_000, { scrapes: 200, every: 20, peakRssMB: [95, 110], floorPeakRssMB: 80 })],
    };
    assert.match(renderTable(limited), /ran in a memory cgroup of 512Mi of its own/);
    assert.doesNotMatch(table, /memory cgroup/);
    const rows = renderMemoryLimits({ ...partial, targets }, [limited])
      .trim()
      .split('\n');
    assert.deepEqual(rows.slice(2), [
      '| none (1 GB host) | 10,000 | 100 ms (1.11) | 50 ms | 120 MB over 203 scrapes | 86 MB | 1.4 | 2026-01-01 |',
      '| 512Mi | 10,000 | 100 ms (1.11) | 50 ms | 110 MB over 203 scrapes | 85 MB | 1.29 | 2026-01-02 (quick) |',
    ]);
  });
});

describe("the benchmark's flags", () => {
  it('reads whole numbers and choices, and names the flag and the value it refuses', () => {
    const argv = ['--busy=0', '--soak=25', '--sizes=100,10000', '--only=scrape', '--quick'];
    assert.equal(countFlag(argv, 'busy', 10), 0);
    assert.equal(countFlag(argv, 'soak', 200), 25);
    assert.equal(countFlag(argv, 'concurrency', 64, 1), 64);
    assert.deepEqual(countsFlag(argv, 'sizes', [1]), [100, 10_000]);
    assert.equal(choiceFlag(argv, 'only', ['scrape', 'webhook']), 'scrape');
    assert.equal(choiceFlag(argv, 'mode', ['a']), undefined);
    assert.throws(
      () => countFlag(['--busy=abc'], 'busy', 10),
      /^Error: --busy must be a whole number of at least 0, not "abc"$/,
    );
    assert.throws(() => countFlag(['--busy'], 'busy', 10), /--busy must be a whole number/);
    assert.throws(() => countFlag(['--concurrency=0'], 'concurrency', 64, 1), /at least 1, not "0"/);
    assert.throws(() => countFlag(['--soak=1.5'], 'soak', 0), /not "1.5"/);
    assert.throws(
      () => countsFlag(['--sizes=100,,1000'], 'sizes', [1]),
      /--sizes must be a whole number of at least 1, not ""/,
    );
    assert.throws(
      () => choiceFlag(['--only=scrapes'], 'only', ['scrape', 'webhook']),
      /--only must be one of scrape, webhook, not "scrapes"/,
    );
  });
});

describe('--memory-limit', () => {
  it('reads sizes as Kubernetes writes them and refuses what is not one, naming the flag', () => {
    assert.deepEqual(parseMemoryLimit('512Mi'), { label: '512Mi', bytes: 512 * 2 ** 20 });
    assert.deepEqual(parseMemoryLimit('1Gi'), { label: '1Gi', bytes: 2 ** 30 });
    assert.equal(parseMemoryLimit(String(2 ** 28)).bytes, 2 ** 28);
    for (const bad of ['', '512M', '1.5Gi', '-1Gi', '32Mi', 'Gi']) {
      assert.throws(() => parseMemoryLimit(bad), /--memory-limit must be a size of at least 64Mi/, bad);
    }
  });

  it('runs the command with the PID it wrote to the procs file, so node starts inside the cgroup', async () => {
    const procs = join(await mkdtemp(join(tmpdir(), 'guardian-cgroup-')), 'cgroup.procs');
    await writeFile(procs, '');
    const run = joiningFirst(procs, { command: process.execPath, args: ['-e', 'console.log(process.pid)'] });
    const printed = execFileSync(run.command, [...run.args], { encoding: 'utf8' }).trim();
    assert.match(printed, /^\d+$/);
    assert.equal((await readFile(procs, 'utf8')).trim(), printed);
  });

  it('runs node in a cgroup of the limit, which Node sees when it starts, and removes the cgroup after', (t) => {
    let cgroups: MemoryCgroups;
    try {
      cgroups = MemoryCgroups.open(parseMemoryLimit('256Mi'));
    } catch (err) {
      t.skip(errorMessage(err));
      return;
    }
    let left: string[] = [];
    try {
      const script = 'console.log(process.constrainedMemory())';
      const run = cgroups.confine({ command: process.execPath, args: ['-e', script] });
      assert.equal(Number(execFileSync(run.command, [...run.args], { encoding: 'utf8' })), 256 * 2 ** 20);
    } finally {
      left = cgroups.remove();
    }
    assert.deepEqual(left, []);
  });
});

describe('the launcher', () => {
  it("runs node with Node's defaults, as the benchmark measures it", () => {
    assert.deepEqual(launcherNodeFlags('.'), []);
    // Run as a user does: the kernel reads the #! line.
    assert.match(execFileSync('bin/flink-guardian.js', ['--version'], { encoding: 'utf8' }), /^flink-guardian \d/);
  });
});
