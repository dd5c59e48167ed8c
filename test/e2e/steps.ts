/**
 * Steps the stack scenarios share: a stack started before a suite's scenarios and stopped after them, catalog
 * jobs deployed and stopped, a job started until it counts, failed for good, an episode awaited, what
 * flink-guardian told read back, and a scenario run with the failure report attached.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it, type TestContext } from 'node:test';
import {
  cancelJob,
  checkpointStats,
  elapsed,
  killAllManaged,
  readCheckpointCounts,
  setFailMarker,
  waitFor,
  waitForCheckpoint,
  waitForJobState,
} from './harness/index.js';
import { KEYS, failureReport, waitAdvance, waitCounting } from './scenarios.js';
import type { Deployer, GuardianEpisode, GuardianLogLine, GuardianProcess, PromAlert, Stack } from './stack.js';
import { errorMessage } from '../../src/errors.js';

/** A fresh run folder for one suite on one Flink version. */
export function runDir(suite: string, version: string): string {
  return join(tmpdir(), `flink-guardian-e2e-${suite}-${version}-${Date.now()}`);
}

/**
 * A `beforeGuardian` step: each catalog job deployed once and cancelled on purpose (last seen CANCELED), so it
 * is not "missing" until a scenario runs it; the deployments are left out of the scenarios' instances.
 */
export function deployStopped(names: readonly string[]): (deploy: Deployer) => Promise<void> {
  return async (deploy) => {
    const ids = await Promise.all(names.map((name) => deploy.submit(name)));
    for (const id of ids) {
      deploy.ignore(id);
      await waitForJobState(deploy.flink.restUrl, id, ['RUNNING', 'INITIALIZING', 'CREATED'], 60_000);
      await cancelJob(deploy.flink.restUrl, id);
    }
    for (const id of ids) await waitForJobState(deploy.flink.restUrl, id, ['CANCELED'], 60_000);
  };
}

/** What a suite adds to its stack: a component it started itself, and that component's log files. */
export interface StackExtras {
  readonly stop?: () => Promise<void>;
  readonly logFiles?: () => Record<string, string>;
}

/** Runs scenarios against a stack that `before` starts; a failure carries the logs and keeps the run folder. */
export class ScenarioRun {
  stack: Stack | undefined;
  allOk = true;

  /** `cleanup`: cancel what runs of the scenario's job afterwards (off when the next scenario goes on with it). */
  constructor(private readonly cleanup = true) {}

  /**
   * Starts the stack before the suite's scenarios and stops it, with `extras`, after them. The run folder `dir`
   * is removed when every scenario passed, and kept with its log files listed when one failed; `label` names
   * the suite in the one-line summary.
   */
  useStack(label: string, dir: string, start: () => Promise<Stack>, extras: StackExtras = {}): void {
    let t0 = performance.now();
    before(async () => {
      t0 = performance.now();
      this.stack = await start();
    });
    after(async () => {
      const logs = { ...this.stack?.logFiles(), ...extras.logFiles?.() };
      await this.stack?.stop();
      await extras.stop?.();
      killAllManaged();
      const summary = `${label}: stack + scenarios ${Math.round(elapsed(t0) / 1000)} s`;
      if (this.allOk) {
        rmSync(dir, { recursive: true, force: true });
        process.stdout.write(`# ${summary}\n`);
      } else {
        const files = Object.entries(logs).map(([k, v]) => `${k}: ${v}`);
        process.stdout.write(`# ${summary}; run dir kept: ${dir}\n# ${files.join('\n# ')}\n`);
      }
    });
  }

  scenario(
    title: string,
    jobName: string,
    body: (s: Stack, t: TestContext) => Promise<void>,
    timeoutMs = 6 * 60_000,
  ): void {
    it(title, { timeout: timeoutMs }, async (t) => {
      const started = performance.now();
      const s = this.stack;
      if (s === undefined) throw new Error('the stack did not start');
      try {
        await body(s, t);
      } catch (error) {
        this.allOk = false;
        const report = await failureReport(s, jobName);
        throw new Error(`${errorMessage(error)}\n${report}`, { cause: error });
      } finally {
        t.diagnostic(`${title}: ${elapsed(started)} ms`);
        for (const g of s.guardians) if (!g.running()) await g.start().catch(() => undefined);
        if (this.cleanup) {
          for (const j of await s.instances(jobName).catch(() => [])) {
            if (!['FAILED', 'CANCELED', 'FINISHED'].includes(j.state))
              await cancelJob(s.flink.restUrl, j.jid).catch(() => undefined);
          }
        }
        rmSync(s.job(jobName).failMarker, { force: true });
      }
    });
  }
}

/** Submits a catalog job, waits until it runs, has completed a checkpoint past the first and counts. */
export async function startJob(s: Stack, name: string): Promise<string> {
  const id = await s.submit(name);
  await waitForJobState(s.flink.restUrl, id, ['RUNNING'], 90_000);
  const first = await waitForCheckpoint(s.flink.restUrl, id, 60_000);
  await waitForCheckpoint(s.flink.restUrl, id, 60_000, first.id);
  const counting = await waitCounting(s.job(name).outDir, id, `${name} to count`);
  await waitAdvance(s.job(name).outDir, id, counting.total, 5);
  return id;
}

/** Fails a running job for good (Flink's restart attempts used up); returns the FAILED instance's end time. */
export async function failForGood(s: Stack, name: string, id: string, mode: 'always' | number): Promise<number> {
  setFailMarker(s.job(name).failMarker, mode);
  await waitForJobState(s.flink.restUrl, id, ['FAILED'], 90_000);
  const failed = (await s.instances(name)).find((j) => j.jid === id);
  assert.ok(failed !== undefined && failed['end-time'] > 0, 'the FAILED instance has an end time');
  return failed['end-time'];
}

export async function alertOf(
  s: Stack,
  alertname: string,
  name: string,
  state?: 'pending' | 'firing',
): Promise<PromAlert | undefined> {
  return (await s.alerts()).find(
    (a) => a.labels.alertname === alertname && a.labels.job_name === name && (state === undefined || a.state === state),
  );
}

/** Waits until a replica's episode of the job satisfies `done`. */
export function waitEpisode(
  g: GuardianProcess,
  name: string,
  what: string,
  done: (e: GuardianEpisode) => boolean,
  timeoutMs = 180_000,
): Promise<GuardianEpisode> {
  return waitFor(
    async () => {
      const e = await g.episode(name);
      return e !== undefined && done(e) ? e : undefined;
    },
    timeoutMs,
    { what: `${g.url}: ${what} (${name})`, intervalMs: 250 },
  );
}

/** The restored instance resumed from exactly `checkpointId`: not from zero, not from an older checkpoint. */
export async function assertResumedFrom(s: Stack, name: string, jobId: string, checkpointId: number): Promise<void> {
  const outDir = s.job(name).outDir;
  const restored = await waitFor(async () => (await checkpointStats(s.flink.restUrl, jobId)).latest.restored, 30_000, {
    what: `${jobId} to report its restored checkpoint`,
  });
  assert.equal(restored.id, checkpointId, `Flink restored chk-${restored.id}, expected chk-${checkpointId}`);
  const resumed = await waitCounting(outDir, jobId, `${name} (${jobId}) to count after the restore`);
  const expected = readCheckpointCounts(outDir, checkpointId);
  assert.ok(expected !== undefined, `the job wrote no snapshot of chk-${checkpointId}`);
  assert.equal(Object.keys(expected).length, KEYS, `chk-${checkpointId} holds every key: ${JSON.stringify(expected)}`);
  assert.deepEqual(resumed.restoredCounts, expected, 'the state continues from that checkpoint');
  await waitAdvance(outDir, jobId, resumed.total);
}

/** A replica's log lines about a job that say an attempt starts (its intent written, the request about to go). */
export function attemptLines(g: GuardianProcess, name: string): GuardianLogLine[] {
  return g.jobLogs(name).filter((l) => typeof l.attempt === 'number' && /starting/.test(l.msg));
}

/** Whether `needle` occurs in any string anywhere inside `value` (an episode, a log line, annotations). */
export function mentions(value: unknown, needle: string): boolean {
  return JSON.stringify(value ?? null).includes(needle);
}
