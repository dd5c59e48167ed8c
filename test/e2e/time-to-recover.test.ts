/**
 * Time to recover with the project's files exactly as shipped (only addresses rewritten): Prometheus with its
 * default global intervals, the flink-guardian scrape job's and the recovery rule group's own intervals, the
 * shipped Alertmanager routes. One stack per Flink version, failures back to back, each split into its phases
 * from the systems' own timestamps; the distribution goes to bench/results/e2e-time-to-recover-shipped.json.
 * After the runs, one more real failure is photographed in Prometheus' web UI (docs/img/).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  flinkVersions,
  repoRoot,
  setFailMarker,
  sleep,
  waitFor,
  waitForCheckpoint,
  waitForJobState,
} from './harness/index.js';
import { failureReport, runningTimestamp } from './scenarios.js';
import { Browser, alertFiringShows, expandFiring, graphShows, graphUrl } from './screenshots.js';
import { startStack, type GuardianEpisode, type Stack, type StackIntervals } from './stack.js';
import { errorMessage } from '../../src/errors.js';
import { ScenarioRun, runDir } from './steps.js';

/** Failures measured per Flink version. */
const RUNS = Number(process.env.E2E_TTR_RUNS ?? 10);
/** Jobs take turns, so one job's Alertmanager group has ended before that job fails again. */
const JOBS = ['ttr-a', 'ttr-b', 'ttr-c', 'ttr-d'] as const;
/**
 * Alertmanager drops a group whose alerts all resolved at its dispatcher's maintenance, every 30 s (0.25: fixed;
 * newer: --dispatch.maintenance-interval); until then a new alert of the same job joins the old group and waits
 * for its next group_interval tick.
 */
const ALERTMANAGER_MAINTENANCE_MS = 30_000;
/** The photographed job fails once, so its graph shows one episode. */
const SHOT_JOB = 'ttr-shot';
const PHASES = ['detection', 'alerting', 'delivery', 'decision', 'restore', 'total'] as const;
type Phase = (typeof PHASES)[number];
type Phases = Record<Phase, number>;

const RESULTS = join('bench', 'results', 'e2e-time-to-recover-shipped.json');
const IMG_DIR = join('docs', 'img');

/** A Prometheus/Alertmanager duration such as 10s or 1m30s, in ms. */
function durationMs(d: string): number {
  let total = 0;
  for (const [, n, u] of d.matchAll(/(\d+)(ms|s|m|h)/g))
    total += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[u as 'ms' | 's' | 'm' | 'h'];
  return total;
}

/** Nearest-rank percentile of a non-empty list. */
function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

type VersionResult = {
  flinkVersion: string;
  intervals: StackIntervals;
  runs: Phases[];
  p50_ms: Phases;
  p90_ms: Phases;
};

/** Merges one version's distribution into the results file (atomically), replacing that version's entry. */
function recordDistribution(result: VersionResult): string {
  const file = join(repoRoot(), RESULTS);
  let versions: VersionResult[] = [];
  if (existsSync(file)) {
    const body = JSON.parse(readFileSync(file, 'utf8')) as { versions?: VersionResult[] };
    versions = (body.versions ?? []).filter((v) => v.flinkVersion !== result.flinkVersion);
  }
  versions.push(result);
  versions.sort((a, b) => a.flinkVersion.localeCompare(b.flinkVersion, undefined, { numeric: true }));
  const body = {
    measuredAt: new Date().toISOString(),
    what:
      'FAILED (Flink end-time) to the successor RUNNING (Flink timestamp), per phase: detection = first scrape ' +
      'showing FAILED, alerting = FlinkJobFailed firing, delivery = webhook accepted, decision = resubmission ' +
      'starting, restore = successor RUNNING. Files as shipped, Prometheus global intervals at their defaults.',
    versions,
  };
  mkdirSync(join(repoRoot(), 'bench', 'results'), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Raw samples (ms, value) of a series selector since `fromMs`, from Prometheus' TSDB. */
async function samplesSince(s: Stack, selector: string, fromMs: number): Promise<[number, number][]> {
  const seconds = Math.ceil((Date.now() - fromMs) / 1000) + 2;
  const res = await fetch(`${s.prometheus.url}/api/v1/query?query=${encodeURIComponent(`${selector}[${seconds}s]`)}`, {
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { data?: { result: { values: [number, string][] }[] }; error?: string };
  if (body.data === undefined) throw new Error(`Prometheus: ${body.error ?? res.status}`);
  return body.data.result
    .flatMap((r) => r.values.map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)]))
    .filter(([t]) => t >= fromMs)
    .sort((a, b) => a[0] - b[0]);
}

/** The first sample at or after `fromMs` whose value is 1 (waits for it: the TSDB is written a moment later). */
function firstOne(s: Stack, selector: string, fromMs: number, what: string): Promise<number> {
  return waitFor(async () => (await samplesSince(s, selector, fromMs)).find(([, v]) => v === 1)?.[0], 30_000, {
    what,
    intervalMs: 200,
  });
}

for (const version of flinkVersions()) {
  describe(`Flink ${version}: time to recover with the shipped settings`, { timeout: 25 * 60_000 }, () => {
    // Plain tests on the run's stack: each reports its own failure (a measurement names the job it was at).
    const run = new ScenarioRun();
    const dir = runDir('ttr', version);
    const current = new Map<string, string>();

    run.useStack(`Flink ${version}: time to recover`, dir, async () => {
      const stack = await startStack({
        version,
        dir,
        jobs: [...JOBS, SHOT_JOB],
        asShipped: true,
        // No Flink restarts: the first failure ends the job FAILED, so each run is one failure.
        restartAttempts: 0,
        slots: JOBS.length + 2,
        // RUNNING for 5 s closes an episode, so the next failure of the job opens a new one.
        recovery: { maxAttempts: 2, cooldown: '2s', resetAfter: '5s', verifyTimeout: '45s' },
        beforeGuardian: async (deploy) => {
          for (const name of [...JOBS, SHOT_JOB]) current.set(name, await deploy.submit(name));
        },
      });
      for (const id of current.values()) await waitForJobState(stack.flink.restUrl, id, ['RUNNING'], 90_000);
      return stack;
    });

    /** Fails the job's current instance for good and follows it until its successor is RUNNING. */
    const failAndRecover = async (s: Stack, name: string): Promise<{ phases: Phases; episode: GuardianEpisode }> => {
      const id = current.get(name);
      assert.ok(id !== undefined);
      // A restore from a checkpoint, as in production.
      await waitForCheckpoint(s.flink.restUrl, id, 60_000);
      // Failures come at any moment of the scrape cycle; without this pause they would follow the test's own
      // rhythm, which the scrapes set, and always meet the same phase of it.
      await sleep(Math.random() * durationMs(s.intervals.scrape_interval));
      setFailMarker(s.job(name).failMarker, 1);
      await waitForJobState(s.flink.restUrl, id, ['FAILED'], 60_000);
      const failed = (await s.instances(name)).find((j) => j.jid === id);
      assert.ok(failed !== undefined && failed['end-time'] > 0, 'the FAILED instance has an end time');
      const endTime = failed['end-time'];

      const episode = await waitFor(
        async () =>
          (await s.guardian.episodes()).find(
            (e) => e.failedJobId === id && e.attempts.some((a) => a.runningAt !== undefined),
          ),
        90_000,
        { what: `flink-guardian to bring ${name} (${id}) back`, intervalMs: 100 },
      );
      const attempt = episode.attempts[0];
      assert.ok(attempt !== undefined);
      assert.equal(episode.attempts.length, 1, 'one submission');
      // A retained checkpoint of the failed instance: Flink's latest completed one, or the scan's when a checkpoint
      // completed after Flink's cached statistics were taken (the newest wins).
      assert.ok(
        (attempt.restoreFrom === 'checkpoint' || attempt.restoreFrom === 'scan') &&
          attempt.restorePath?.includes(`/${id}/chk-`) === true,
        `restored from ${attempt.restoreFrom} ${attempt.restorePath}, not a checkpoint of ${id}`,
      );
      await waitForJobState(s.flink.restUrl, attempt.jobId, ['RUNNING'], 60_000);
      const running = await runningTimestamp(s.flink.restUrl, attempt.jobId);
      assert.ok(running !== undefined);
      current.set(name, attempt.jobId);

      // Detection and alerting from Prometheus' own sample timestamps (scrape start, rule evaluation).
      const scraped = await firstOne(
        s,
        `flink_job_state{job_name="${name}",state="FAILED"}`,
        endTime - 1000,
        `a scrape of ${name} FAILED`,
      );
      const fired = await firstOne(
        s,
        `ALERTS{alertname="FlinkJobFailed",alertstate="firing",job_name="${name}"}`,
        endTime - 1000,
        `FlinkJobFailed firing for ${name}`,
      );
      const logs = s.guardian.logs();
      const accepted = logs.find(
        (l) =>
          l.msg === 'alertmanager notification accepted' &&
          l.status === 'firing' &&
          String(l.group ?? '').includes(`job_name="${name}"`) &&
          Date.parse(l.time) >= endTime,
      );
      const starting = logs.find((l) => l.msg === 'attempt 1 starting' && l.job_id === attempt.jobId);
      assert.ok(accepted !== undefined, 'a guardian log line for the delivered notification');
      assert.ok(starting !== undefined, 'a guardian log line for the resubmission');
      const phases: Phases = {
        detection: scraped - endTime,
        alerting: fired - scraped,
        delivery: Date.parse(accepted.time) - fired,
        decision: Date.parse(starting.time) - Date.parse(accepted.time),
        restore: running - Date.parse(starting.time),
        total: running - endTime,
      };
      // Ordered events: a scrape may start a few ms before Flink's end-time and still see FAILED.
      assert.ok(phases.detection > -1000 && phases.alerting >= 0 && phases.delivery >= 0, JSON.stringify(phases));
      assert.ok(phases.decision >= 0 && phases.restore >= 0, JSON.stringify(phases));
      return { phases, episode };
    };

    /** Waits until the job can fail again as a new, independent episode. */
    const settle = async (s: Stack, name: string, episode: GuardianEpisode): Promise<void> => {
      await waitFor(
        async () => (await s.guardian.episodes()).find((e) => e.id === episode.id)?.status === 'closed',
        60_000,
        { what: `the episode of ${name} to close`, intervalMs: 200 },
      );
    };

    it(`measures ${RUNS} failures and their recovery phase by phase`, { timeout: 20 * 60_000 }, async (t) => {
      const s = run.stack;
      if (s === undefined) throw new Error('the stack did not start');
      const runs: Phases[] = [];
      let name: string = JOBS[0];
      try {
        const pendingSettle = new Map<string, Promise<void>>();
        for (let i = 0; i < RUNS; i++) {
          name = JOBS[i % JOBS.length] as string;
          await pendingSettle.get(name);
          // Each run is a failure of a job that has been healthy for a while, as most failures are: its old
          // Alertmanager group has ended (see ALERTMANAGER_MAINTENANCE_MS). Taking turns fills that wait.
          const { phases, episode } = await failAndRecover(s, name);
          runs.push(phases);
          t.diagnostic(`run ${i + 1} (${name}): ${PHASES.map((p) => `${p} ${phases[p]} ms`).join(', ')}`);
          pendingSettle.set(
            name,
            settle(s, name, episode).then(() =>
              sleep(durationMs(s.intervals.group_interval) + ALERTMANAGER_MAINTENANCE_MS + 2000),
            ),
          );
        }
        for (const p of pendingSettle.values()) await p;
      } catch (error) {
        run.allOk = false;
        throw new Error(`${errorMessage(error)}\n${await failureReport(s, name)}`, { cause: error });
      }
      assert.equal(runs.length, RUNS);
      const p50 = Object.fromEntries(
        PHASES.map((p) => [
          p,
          percentile(
            runs.map((r) => r[p]),
            0.5,
          ),
        ]),
      ) as Phases;
      const p90 = Object.fromEntries(
        PHASES.map((p) => [
          p,
          percentile(
            runs.map((r) => r[p]),
            0.9,
          ),
        ]),
      ) as Phases;
      const file = recordDistribution({
        flinkVersion: version,
        intervals: s.intervals,
        runs,
        p50_ms: p50,
        p90_ms: p90,
      });
      t.diagnostic(
        `time to recover (Flink ${version}, ${RUNS} failures, shipped settings: scrape ` +
          `${s.intervals.scrape_interval}, evaluation ${s.intervals.evaluation_interval}, for ${s.intervals.for}, ` +
          `group_wait ${s.intervals.group_wait}): p50 ${(p50.total / 1000).toFixed(1)} s, ` +
          `p90 ${(p90.total / 1000).toFixed(1)} s; ` +
          `p50 per phase ${PHASES.map((p) => `${p} ${p50[p]}`).join(', ')} ms; written to ${file}`,
      );
    });

    // One more real failure, photographed: the alerts page while FlinkJobFailed fires, then the graph of the
    // whole episode. Only for the newest Flink line, so the committed images come from one run.
    const newest = flinkVersions().at(-1);
    it('screenshots of Prometheus during a failure and its recovery', { skip: version !== newest }, async () => {
      const s = run.stack;
      if (s === undefined) throw new Error('the stack did not start');
      const name = SHOT_JOB;
      const img = join(repoRoot(), IMG_DIR);
      mkdirSync(img, { recursive: true });
      const browser = await Browser.launch(dir);
      try {
        const id = current.get(name);
        assert.ok(id !== undefined);
        await waitForCheckpoint(s.flink.restUrl, id, 60_000);
        const startedAt = Date.now();
        setFailMarker(s.job(name).failMarker, 1);
        await waitFor(
          async () =>
            (await s.alerts()).some(
              (a) => a.labels.alertname === 'FlinkJobFailed' && a.labels.job_name === name && a.state === 'firing',
            ),
          60_000,
          { what: 'FlinkJobFailed firing', intervalMs: 50 },
        );
        await browser.screenshot({
          url: `${s.prometheus.url}/classic/alerts`,
          shows: alertFiringShows('FlinkJobFailed'),
          before: expandFiring('FlinkJobFailed'),
          file: join(img, 'prometheus-alert-firing.png'),
          height: 1000,
          timeoutMs: 5000,
        });
        const episode = await waitFor(
          async () =>
            (await s.guardian.episodes()).find(
              (e) => e.failedJobId === id && e.attempts.some((a) => a.runningAt !== undefined),
            ),
          90_000,
          { what: `flink-guardian to bring ${name} back`, intervalMs: 200 },
        );
        // The graph once the job has been RUNNING a while again, so the dip and the alert sit inside it.
        await settle(s, name, episode);
        await sleep(10_000);
        // From 20 s before the failure to now: the episode fills a good part of the picture.
        const seconds = Math.ceil((Date.now() - startedAt) / 1000) + 20;
        await browser.screenshot({
          url: graphUrl(
            s.prometheus.url,
            `flink_job_up{job_name="${name}"} or ALERTS{alertname="FlinkJobFailed",job_name="${name}"}`,
            `${seconds}s`,
          ),
          shows: graphShows(2),
          file: join(img, 'prometheus-recovery-graph.png'),
          height: 820,
        });
      } catch (error) {
        run.allOk = false;
        throw error;
      } finally {
        await browser.close();
      }
    });
  });
}
