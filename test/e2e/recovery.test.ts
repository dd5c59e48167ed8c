/**
 * The whole loop on real systems, per Flink line: a job fails, flink-guardian's exporter shows it, Prometheus
 * (the project's rules) fires FlinkJobFailed, two Alertmanager replicas (the project's configuration) route it,
 * flink-guardian resubmits the job from its checkpoint and the state carries on. One stack per Flink version,
 * the scenarios one after another, each with its own job; scenario 5 restarts the JobManager and so runs last.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type TestContext } from 'node:test';
import {
  cancelJob,
  checkpointIdOf,
  checkpointStats,
  elapsed,
  flinkVersions,
  readCheckpointCounts,
  readCounterState,
  sleep,
  waitFor,
  waitForJobState,
} from './harness/index.js';
import {
  KEYS,
  storedEpisode,
  recordTimeToRecover,
  runningTimestamp,
  sampleSum,
  waitAdvance,
  waitCounting,
} from './scenarios.js';
import { readJobMemory } from '../../src/state/job-memory-on-disk.js';
import { GUARDIAN_CLUSTER, startStack, type GuardianEpisode, type GuardianLogLine, type Stack } from './stack.js';
import { ScenarioRun, alertOf, deployStopped, failForGood, runDir, startJob } from './steps.js';

/** Flink's fixed-delay attempts: a TaskManager kill is absorbed, a failure switch of 3 ends the job FAILED. */
const RESTART_ATTEMPTS = 2;
const FAILS_TO_END_FAILED = RESTART_ATTEMPTS + 1;
const MAX_ATTEMPTS = 2;
/** Longer than the slower trigger takes to fire: a scrape, an evaluation and FlinkJobMissing's `for: 15s`. */
const ALERT_WINDOW_MS = 22_000;

const JOBS = {
  once: 's1-fails-once',
  always: 's2-fails-always',
  cancel: 's3-cancelled',
  tm: 's4-taskmanager-killed',
  jm: 's5-jobmanager-restarted',
  guardian: 's6-guardian-killed',
  dupes: 's7-duplicates',
} as const;

const ms = (iso: string): number => Date.parse(iso);

function isoOf(line: GuardianLogLine): number {
  return ms(line.time);
}

for (const version of flinkVersions()) {
  describe(`Flink ${version}: recovery end to end`, { timeout: 15 * 60_000 }, () => {
    const run = new ScenarioRun();
    const dir = runDir('recovery', version);
    run.useStack(`Flink ${version}`, dir, () =>
      startStack({
        version,
        dir,
        jobs: Object.values(JOBS),
        // Checkpoints every 5 s: three retained ones then outlive the few seconds the remembered path can lag
        // behind (scrape interval plus Flink's cache of checkpoint statistics).
        jobArgs: { [JOBS.jm]: { checkpointIntervalMs: 5000 } },
        alertmanagers: 2,
        restartAttempts: RESTART_ATTEMPTS,
        slots: 4,
        recovery: { maxAttempts: MAX_ATTEMPTS, cooldown: '2s', resetAfter: '15s', verifyTimeout: '45s' },
        beforeGuardian: deployStopped(Object.values(JOBS)),
      }),
    );

    /** A scenario: its job is cancelled afterwards (so the TaskManager kill hits one job). */
    const scenario = (title: string, jobName: string, body: (s: Stack, t: TestContext) => Promise<void>): void =>
      run.scenario(title, jobName, body, 5 * 60_000);

    /** Waits until the episode's first attempt is RUNNING and returns the episode. */
    const waitRecovered = (s: Stack, name: string, closed = false): Promise<GuardianEpisode> =>
      waitFor(
        async () => {
          const e = await s.guardian.episode(name);
          if (e === undefined || e.attempts.length === 0) return undefined;
          if (closed) return e.status === 'closed' ? e : undefined;
          return e.attempts.some((a) => a.runningAt !== undefined) ? e : undefined;
        },
        closed ? 120_000 : 120_000,
        {
          what: `flink-guardian to ${closed ? 'close the episode' : 'bring the job back'} of ${name}`,
          intervalMs: 200,
        },
      );

    /** The restored instance resumed from exactly `checkpointId`: not from zero, not from an older checkpoint. */
    const assertResumedFrom = async (
      s: Stack,
      name: string,
      jobId: string,
      checkpointId: number,
      minAttempt = 0,
    ): Promise<void> => {
      const outDir = s.job(name).outDir;
      const stats = await waitFor(async () => (await checkpointStats(s.flink.restUrl, jobId)).latest.restored, 30_000, {
        what: `${jobId} to report its restored checkpoint`,
      });
      assert.equal(stats.id, checkpointId, `restored from chk-${stats.id}, expected chk-${checkpointId}`);
      // Flink's own restart keeps the JobID: wait for the files of the new execution attempt.
      const resumed = await waitCounting(outDir, jobId, `${name} (${jobId}) to count after the restore`, (x) =>
        x.subtasks.every((sub) => sub.attempt >= minAttempt),
      );
      const expected = readCheckpointCounts(outDir, checkpointId);
      assert.ok(expected !== undefined, `the job wrote no snapshot of chk-${checkpointId}`);
      assert.equal(
        Object.keys(expected).length,
        KEYS,
        `chk-${checkpointId} holds every key: ${JSON.stringify(expected)}`,
      );
      assert.deepEqual(resumed.restoredCounts, expected, 'the state continues from that checkpoint');
      for (const [key, value] of Object.entries(resumed.restoredCounts))
        assert.ok(value > 0, `key ${key} restored from zero`);
      assert.ok(resumed.subtasks.every((x) => x.restoredCheckpointId === checkpointId));
      await waitAdvance(outDir, jobId, resumed.total);
    };

    scenario(
      '1. a job that fails once is recovered from its latest checkpoint; time to recover measured',
      JOBS.once,
      async (s, t) => {
        const name = JOBS.once;
        const id0 = await startJob(s, name);
        const endTime = await failForGood(s, name, id0, FAILS_TO_END_FAILED);

        // Detection: Prometheus evaluates FlinkJobFailed true (pending) from the exporter's scrape; activeAt is when.
        const pending = await waitFor(() => alertOf(s, 'FlinkJobFailed', name), 60_000, {
          what: 'FlinkJobFailed pending',
          intervalMs: 200,
        });
        const episode = await waitRecovered(s, name);
        const attempt = episode.attempts[0];
        assert.ok(attempt !== undefined);
        // Read now, not at FAILED: Flink caches checkpoint statistics for a few seconds (web.refresh-interval).
        const lastChk = (await checkpointStats(s.flink.restUrl, id0)).latest.completed;
        assert.ok(lastChk !== null, 'the FAILED instance has a completed checkpoint');
        assert.equal(episode.attempts.length, 1);
        assert.equal(episode.trigger, 'failed');
        assert.equal(episode.failedJobId, id0);
        // Flink's statistics or, for a checkpoint completed after Flink cached them, the scan of checkpointDir.
        assert.ok(['checkpoint', 'scan'].includes(attempt.restoreFrom), `restored from ${attempt.restoreFrom}`);
        assert.equal(
          checkpointIdOf(attempt.restorePath ?? ''),
          lastChk.id,
          'the latest checkpoint of the failed instance',
        );
        await waitForJobState(s.flink.restUrl, attempt.jobId, ['RUNNING'], 60_000);
        await assertResumedFrom(s, name, attempt.jobId, lastChk.id);

        // The phases, from the logs and Flink's own timestamps.
        const logs = s.guardian.logs();
        const accepted = logs.find(
          (l) =>
            l.msg === 'alertmanager notification accepted' &&
            String(l.group ?? '').includes(`job_name="${name}"`) &&
            l.status === 'firing',
        );
        // "attempt 1 starting": the intent is on disk and the run request goes out (Flink answers it only after
        // the job graph is built, by when the job may already be RUNNING: that is part of Flink's restore).
        const submitted = logs.find((l) => l.msg === 'attempt 1 starting' && l.job_name === name);
        assert.ok(accepted !== undefined, 'a guardian log line for the delivered notification');
        assert.ok(submitted !== undefined, 'a guardian log line for the submission');
        const running = await runningTimestamp(s.flink.restUrl, attempt.jobId);
        assert.ok(running !== undefined);
        const activeAt = ms(pending.activeAt);
        const phases = {
          detection: activeAt - endTime,
          alerting: isoOf(accepted) - activeAt,
          webhook: isoOf(submitted) - isoOf(accepted),
          restore: running - isoOf(submitted),
          total: running - endTime,
        };
        const file = recordTimeToRecover({
          flinkVersion: version,
          intervals: {
            scrape_interval: s.intervals.scrape_interval,
            evaluation_interval: s.intervals.evaluation_interval,
            for: s.intervals.for,
            group_wait: s.intervals.group_wait,
          },
          phases_ms: phases,
        });
        const line =
          `time to recover (Flink ${version}): ${(phases.total / 1000).toFixed(1)} s = ` +
          `detection ${phases.detection} ms ` +
          `(FAILED -> FlinkJobFailed pending) + alerting ${phases.alerting} ms ` +
          `(for ${s.intervals.for}, group_wait ${s.intervals.group_wait} -> webhook) ` +
          `+ webhook ${phases.webhook} ms (-> run request sent) + restore ${phases.restore} ms (-> RUNNING); ` +
          `written to ${file}`;
        t.diagnostic(line);
        for (const [k, v] of Object.entries(phases)) assert.ok(v >= 0, `phase ${k} is ${v} ms`);

        // RUNNING for resetAfter closes the episode as recovered, and the counter says so.
        await waitRecovered(s, name, true);
        const metrics = await s.guardian.metrics();
        assert.equal(
          sampleSum(metrics, 'flink_recovery_episodes_total', {
            cluster: GUARDIAN_CLUSTER,
            job_name: name,
            outcome: 'recovered',
          }),
          1,
        );
        assert.equal(
          sampleSum(metrics, 'flink_recovery_attempts_total', {
            job_name: name,
            restore_from: 'checkpoint',
            result: 'succeeded',
          }),
          1,
        );
        assert.equal((await s.instances(name)).length, 2, 'the FAILED instance and its one successor');
      },
    );

    scenario(
      '2. a job that always fails: exactly maxAttempts submissions, FlinkRecoveryExhausted, then nothing',
      JOBS.always,
      async (s, t) => {
        const name = JOBS.always;
        const id0 = await startJob(s, name);
        await failForGood(s, name, id0, 'always');
        const episode = await waitFor(
          async () => {
            const e = await s.guardian.episode(name);
            return e?.status === 'exhausted' ? e : undefined;
          },
          180_000,
          { what: `the episode of ${name} to be exhausted`, intervalMs: 500 },
        );
        assert.equal(episode.attempts.length, MAX_ATTEMPTS);
        const firing = await waitFor(() => alertOf(s, 'FlinkRecoveryExhausted', name, 'firing'), 60_000, {
          what: 'FlinkRecoveryExhausted firing',
        });
        t.diagnostic(`FlinkRecoveryExhausted firing since ${firing.activeAt}`);
        const instances = await s.instances(name);
        assert.equal(
          instances.length,
          1 + MAX_ATTEMPTS,
          `instances: ${instances.map((j) => `${j.jid} ${j.state}`).join(', ')}`,
        );
        assert.deepEqual(
          instances
            .slice(1)
            .map((j) => j.jid)
            .sort(),
          episode.attempts.map((a) => a.jobId).sort(),
          'every submission is one of the guardian attempts',
        );
        assert.ok(instances.every((j) => j.state === 'FAILED'));
        // Longer than Alertmanager's repeat_interval (20s): the repeated notification changes nothing either.
        await sleep(25_000);
        const later = await s.instances(name);
        assert.equal(later.length, 1 + MAX_ATTEMPTS, 'nothing more submitted');
        assert.equal((await s.guardian.episode(name))?.attempts.length, MAX_ATTEMPTS);
        assert.equal(sampleSum(await s.guardian.metrics(), 'flink_recovery_exhausted', { job_name: name }), 1);
        const skips = s.guardian.jobLogs(name).filter((l) => l.reason === 'exhausted').length;
        t.diagnostic(`notifications answered "exhausted" afterwards: ${skips}`);
      },
    );

    scenario('3. a job a person cancels is not resubmitted', JOBS.cancel, async (s) => {
      const name = JOBS.cancel;
      const id0 = await startJob(s, name);
      await cancelJob(s.flink.restUrl, id0);
      await waitForJobState(s.flink.restUrl, id0, ['CANCELED'], 60_000);
      await waitFor(
        async () => (await s.query(`flink_job_state{job_name="${name}",state="CANCELED"} == 1`)).length === 1,
        30_000,
        {
          what: 'Prometheus to see the job CANCELED',
        },
      );
      const deadline = Date.now() + ALERT_WINDOW_MS;
      while (Date.now() < deadline) {
        const alerts = (await s.alerts()).filter(
          (a) => a.labels.job_name === name && a.labels.flink_recovery === 'auto',
        );
        assert.deepEqual(alerts, [], 'no recovery alert for a cancelled job');
        await sleep(1000);
      }
      const ever = await s.query(`count_over_time(ALERTS{job_name="${name}",flink_recovery="auto"}[5m])`);
      assert.deepEqual(ever, [], 'FlinkJobFailed/FlinkJobMissing never even pending');
      const instances = await s.instances(name);
      assert.deepEqual(
        instances.map((j) => [j.jid, j.state]),
        [[id0, 'CANCELED']],
      );
      assert.equal(await s.guardian.episode(name), undefined, 'no episode');
      assert.equal(sampleSum(await s.guardian.metrics(), 'flink_job_missing', { job_name: name }) ?? 0, 0);
    });

    scenario(
      '4. a TaskManager killed: Flink restarts the job itself with its state, flink-guardian does nothing',
      JOBS.tm,
      async (s, t) => {
        const name = JOBS.tm;
        const id0 = await startJob(s, name);
        const before = readCounterState(s.job(name).outDir);
        const t1 = performance.now();
        await s.flink.killTaskManager();
        await s.flink.startTaskManager();
        const restored = await waitFor(
          async () => {
            const stats = await checkpointStats(s.flink.restUrl, id0);
            const state = (await s.instances(name)).find((j) => j.jid === id0)?.state;
            return state === 'RUNNING' && stats.latest.restored !== null ? stats.latest.restored : undefined;
          },
          120_000,
          { what: `Flink to restart ${id0} from a checkpoint`, intervalMs: 500 },
        );
        t.diagnostic(
          `TaskManager killed, new one registered, job restored from chk-${restored.id} ` +
            `by Flink after ${elapsed(t1)} ms`,
        );
        assert.ok(before?.subtasks.every((x) => x.attempt === 0));
        await assertResumedFrom(s, name, id0, restored.id, 1);
        // Past FlinkJobFailed's window: still the one instance, no episode, no submission.
        await sleep(ALERT_WINDOW_MS);
        const instances = await s.instances(name);
        assert.deepEqual(
          instances.map((j) => [j.jid, j.state]),
          [[id0, 'RUNNING']],
        );
        assert.equal(await s.guardian.episode(name), undefined, 'flink-guardian opened no episode');
        assert.deepEqual(
          s.guardian.jobLogs(name).filter((l) => /attempt|episode/.test(l.msg)),
          [],
        );
        const restarts = await s.query(`flink_job_restarts_total{job_name="${name}"}`);
        t.diagnostic(`flink_job_restarts_total in Prometheus: ${restarts[0]?.value[1] ?? 'none'}`);
      },
    );

    scenario(
      '6. flink-guardian killed with kill -9 during an episode and restarted: recovered once',
      JOBS.guardian,
      async (s, t) => {
        const name = JOBS.guardian;
        const id0 = await startJob(s, name);
        const logStart = readFileSync(s.guardian.logFile, 'utf8').length;
        await failForGood(s, name, id0, FAILS_TO_END_FAILED);
        // The moment the intent is on disk, the run request is about to be made (or in flight): kill -9 there.
        await waitFor(
          () => {
            const text = readFileSync(s.guardian.logFile, 'utf8').slice(logStart);
            return text
              .split('\n')
              .some((l) => l.includes('"attempt 1 starting"') && l.includes(`"job_name":"${name}"`));
          },
          90_000,
          { what: 'flink-guardian to start attempt 1', intervalMs: 5 },
        );
        const pid = s.guardian.pid;
        await s.guardian.kill9();
        const after = readFileSync(s.guardian.logFile, 'utf8').slice(logStart);
        const landed = after.includes('"attempt 1 submitted"');
        const stored = storedEpisode(join(s.dir, 'guardian', 'state'), name);
        t.diagnostic(
          `killed flink-guardian (pid ${pid}) after "attempt 1 starting"; ` +
            `submission answered before the kill: ${landed}; ` +
            `stored: ${stored?.status}/${stored?.phase}, attempts ${stored?.attempts.length}`,
        );
        assert.ok(stored !== undefined, 'the episode is on disk');
        assert.equal(stored.status, 'open', 'the episode and its intent are on disk');
        const jobIdOfAttempt = stored.attempts[0]?.jobId;
        assert.ok(jobIdOfAttempt !== undefined);
        await sleep(2000);
        await s.guardian.start();
        const episode = await waitRecovered(s, name, true);
        assert.equal(episode.outcome, 'recovered');
        assert.equal(episode.attempts.length, 1, 'one attempt');
        assert.equal(episode.attempts[0]?.jobId, jobIdOfAttempt, 'the attempt written before the kill');
        const instances = await s.instances(name);
        assert.deepEqual(
          instances.map((j) => j.jid),
          [id0, jobIdOfAttempt],
          `one resubmission: ${instances.map((j) => `${j.jid} ${j.state}`).join(', ')}`,
        );
        assert.equal(instances[1]?.state, 'RUNNING');
        const lastChk = (await checkpointStats(s.flink.restUrl, id0)).latest.completed;
        assert.ok(lastChk !== null);
        await assertResumedFrom(s, name, jobIdOfAttempt, lastChk.id);
        t.diagnostic(`submit tries of attempt 1: ${episode.attempts[0]?.submitTries}`);
      },
    );

    scenario(
      '7. duplicate notifications (two Alertmanager replicas, repeated posts): one submission',
      JOBS.dupes,
      async (s, t) => {
        const name = JOBS.dupes;
        const id0 = await startJob(s, name);
        const amSent = async (): Promise<number[]> =>
          Promise.all(
            s.alertmanagers.map(async (am) => {
              const text = await (await fetch(`${am.url}/metrics`)).text();
              return sampleSum(text, 'alertmanager_notifications_total', { integration: 'webhook' }) ?? 0;
            }),
          );
        const sentBefore = await amSent();
        await failForGood(s, name, id0, FAILS_TO_END_FAILED);
        const logStart = readFileSync(s.guardian.logFile, 'utf8').length;
        const firing = await waitFor(() => alertOf(s, 'FlinkJobFailed', name, 'firing'), 60_000, {
          what: 'FlinkJobFailed firing',
          intervalMs: 100,
        });
        // Both replicas hold the alert (Prometheus sends to each).
        await waitFor(
          async () => {
            for (const am of s.alertmanagers) {
              const filter = encodeURIComponent(`job_name="${name}"`);
              const held = (await (await fetch(`${am.url}/api/v2/alerts?filter=${filter}`)).json()) as unknown[];
              if (held.length === 0) return false;
            }
            return true;
          },
          10_000,
          { what: 'both Alertmanager replicas to hold FlinkJobFailed', intervalMs: 50 },
        );
        // Alertmanager delivers first (the episode opens on it); the same notification then arrives ten times at
        // once while that intake runs, as a flapping replica or a retrying proxy would send it.
        await waitFor(
          () =>
            readFileSync(s.guardian.logFile, 'utf8')
              .slice(logStart)
              .split('\n')
              .some(
                (l) =>
                  l.includes('"alertmanager notification accepted"') &&
                  l.includes('"receiver":"flink-guardian"') &&
                  l.includes(`job_name=\\"${name}\\"`),
              ),
          30_000,
          { what: 'the first Alertmanager delivery', intervalMs: 5 },
        );
        const payload = {
          version: '4',
          groupKey: `{}/{flink_recovery="auto"}:{cluster="${GUARDIAN_CLUSTER}", job_name="${name}"}`,
          truncatedAlerts: 0,
          status: 'firing',
          receiver: 'e2e-duplicates',
          groupLabels: { cluster: GUARDIAN_CLUSTER, job_name: name },
          commonLabels: firing.labels,
          commonAnnotations: {},
          externalURL: s.alertmanagers[0]?.url ?? '',
          alerts: [
            {
              status: 'firing',
              labels: firing.labels,
              annotations: {},
              startsAt: firing.activeAt,
              endsAt: '0001-01-01T00:00:00Z',
              fingerprint: 'e2e0000000000001',
            },
          ],
        };
        const codes = await Promise.all(Array.from({ length: 10 }, () => s.guardian.postWebhook(payload)));
        assert.deepEqual(codes, Array(10).fill(200));
        const episode = await waitRecovered(s, name);
        // And again while the successor runs.
        for (let i = 0; i < 5; i += 1) assert.equal(await s.guardian.postWebhook(payload), 200);
        const closed = await waitRecovered(s, name, true);
        assert.equal(closed.id, episode.id);
        assert.equal(closed.attempts.length, 1, 'one attempt');
        const instances = await s.instances(name);
        assert.equal(instances.length, 2, `one submission: ${instances.map((j) => `${j.jid} ${j.state}`).join(', ')}`);
        assert.equal(instances[1]?.jid, closed.attempts[0]?.jobId);
        const metrics = await s.guardian.metrics();
        assert.equal(sampleSum(metrics, 'flink_recovery_attempts_total', { job_name: name }), 1);
        const accepted = s.guardian
          .logs()
          .filter(
            (l) =>
              l.msg === 'alertmanager notification accepted' && String(l.group ?? '').includes(`job_name="${name}"`),
          );
        const fromAlertmanager = accepted.filter((l) => l.receiver === 'flink-guardian').length;
        const skipped = s.guardian
          .jobLogs(name)
          .filter((l) => l.decision === 'skip')
          .map((l) => String(l.reason));
        const sentAfter = await amSent();
        t.diagnostic(
          `notifications accepted: ${accepted.length} (${fromAlertmanager} from Alertmanager, ` +
            `per replica ${sentAfter.map((n, i) => n - (sentBefore[i] ?? 0)).join('/')} webhook sends), ` +
            `skips: ${JSON.stringify(countBy(skipped))}`,
        );
        assert.ok(fromAlertmanager >= 1, 'Alertmanager delivered too');
        assert.ok(
          skipped.length >= 14,
          `the other ${accepted.length - 1} notifications were skipped (${skipped.length})`,
        );
      },
    );

    scenario(
      '5. JobManager restarted without HA: FlinkJobMissing, restored from the newest checkpoint it left',
      JOBS.jm,
      async (s, t) => {
        const name = JOBS.jm;
        const id0 = await startJob(s, name);
        // jobs.json and its journal, read as a start of the service would.
        const remembered = async (): Promise<string | undefined> => {
          const mem = await readJobMemory(join(s.dir, 'guardian', 'state'));
          if (mem.kind === 'corrupt') throw mem.error;
          const r = mem.clusters.get(GUARDIAN_CLUSTER)?.get(name);
          return r?.jobId === id0 ? r.checkpointPath : undefined;
        };
        // A checkpoint with every key counted (the first one may be taken before the first record).
        await waitFor(
          async () => {
            const path = await remembered();
            const counts =
              path === undefined ? undefined : readCheckpointCounts(s.job(name).outDir, checkpointIdOf(path));
            return counts !== undefined && Object.keys(counts).length === KEYS;
          },
          45_000,
          { what: `flink-guardian to remember a checkpoint of ${name} that holds every key` },
        );
        const t1 = performance.now();
        await s.flink.killJobManager();
        const atKill = await remembered();
        const newest = readdirSync(join(s.flink.checkpointDir, id0)).filter((d) => d.startsWith('chk-'));
        t.diagnostic(`JobManager killed; remembered ${atKill ?? 'nothing'}; retained on disk: ${newest.join(' ')}`);
        await s.flink.startJobManager();
        t.diagnostic(`JobManager back (no HA) after ${elapsed(t1)} ms`);
        assert.deepEqual(await s.instances(name), [], 'the JobManager forgot the job');
        await waitFor(
          async () => sampleSum(await s.guardian.metrics(), 'flink_job_missing', { job_name: name }) === 1,
          30_000,
          {
            what: 'flink_job_missing 1',
          },
        );
        const missing = await waitFor(() => alertOf(s, 'FlinkJobMissing', name, 'firing'), 90_000, {
          what: 'FlinkJobMissing firing',
        });
        t.diagnostic(`FlinkJobMissing firing (active since ${missing.activeAt})`);
        const path = await remembered();
        assert.ok(path !== undefined, 'the job memory still has the checkpoint path');
        const episode = await waitRecovered(s, name);
        const attempt = episode.attempts[0];
        assert.ok(attempt !== undefined);
        assert.equal(episode.trigger, 'missing');
        // The remembered path can lag the newest checkpoint by a scrape; a checkpoint that completed in that
        // window is found by the scan of checkpointDir, and the newer one must win.
        const chosen = checkpointIdOf(attempt.restorePath ?? '');
        if (attempt.restoreFrom === 'remembered') {
          assert.equal(chosen, checkpointIdOf(path), `restore point ${attempt.restorePath} vs remembered ${path}`);
        } else {
          assert.equal(attempt.restoreFrom, 'scan', 'restored from the remembered checkpoint or a newer one on disk');
          assert.ok(chosen > checkpointIdOf(path), `scanned ${attempt.restorePath} is newer than remembered ${path}`);
        }
        assert.ok((attempt.restorePath ?? '').includes(id0), 'a checkpoint of the lost instance');
        await waitForJobState(s.flink.restUrl, attempt.jobId, ['RUNNING'], 60_000);
        await assertResumedFrom(s, name, attempt.jobId, chosen);
        t.diagnostic(`restored ${name} from ${attempt.restorePath} as ${attempt.jobId}`);
      },
    );
  });
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
