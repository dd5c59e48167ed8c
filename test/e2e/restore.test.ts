/**
 * Where a recovery restores from, and what it tells, on real Flink, Prometheus and Alertmanager (outcomes posted
 * back to Alertmanager as FlinkRecoveryOutcome): the newest checkpoint deleted after the failure makes the
 * recovery take the next newest and say so, with Flink's root exception in the episode, the audit line and the
 * outcome alert; a job whose checkpoints are all gone pages `state_lost` and is not started fresh (although
 * `onNoCheckpoint: fresh`); and a job that vanished with its JobManager (restarted without HA) reports a time to
 * recover that includes the time it was gone. One stack per Flink version; the JobManager restart runs last.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import {
  checkpointIdOf,
  checkpointStats,
  flinkVersions,
  jobsOverview,
  sleep,
  waitFor,
  waitForJobState,
} from './harness/index.js';
import { runningTimestamp, sampleSum } from './scenarios.js';
import { parseDuration } from '../../src/config/duration.js';
import { GUARDIAN_CLUSTER, startStack, type GuardianLogLine, type Stack } from './stack.js';
import {
  ScenarioRun,
  alertOf,
  assertResumedFrom,
  deployStopped,
  failForGood,
  mentions,
  runDir,
  startJob,
  waitEpisode,
} from './steps.js';

const RESTART_ATTEMPTS = 2;
const FAILS_TO_END_FAILED = RESTART_ATTEMPTS + 1;
const MAX_ATTEMPTS = 2;
/** Longer than FlinkJobFailed's `for: 10s` plus a scrape, an evaluation, group_wait and a group_interval. */
const ALERT_WINDOW_MS = 22_000;
/** The test job's exception when its failure switch fires, as Flink reports it. */
const ROOT_EXCEPTION = 'IllegalStateException';
const ROOT_MESSAGE = 'failure switch';

const JOBS = {
  fallback: 'f1-newest-checkpoint-deleted',
  lost: 'f2-all-checkpoints-deleted',
  vanished: 'f3-vanished-with-jobmanager',
} as const;

/** The checkpoints of an instance that Flink completed (their `_metadata` written), newest first. */
function completedOnDisk(s: Stack, jobId: string): { id: number; path: string }[] {
  const dir = join(s.flink.checkpointDir, jobId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => /^chk-\d+$/.test(d) && existsSync(join(dir, d, '_metadata')))
    .map((d) => ({ id: checkpointIdOf(d), path: join(dir, d) }))
    .sort((a, b) => b.id - a.id);
}

/** The first value of any of `keys`, anywhere inside `value` (the API's camelCase or the log's snake_case). */
function fieldOf(value: unknown, keys: readonly string[]): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) if (keys.includes(k)) return v;
  for (const v of Object.values(value)) {
    const found = fieldOf(v, keys);
    if (found !== undefined) return found;
  }
  return undefined;
}

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** FlinkRecoveryOutcome alerts Alertmanager holds for a job. */
async function outcomeAlerts(s: Stack, name: string): Promise<AmAlert[]> {
  const am = s.alertmanagers[0];
  assert.ok(am !== undefined);
  const filter = ['alertname="FlinkRecoveryOutcome"', `job_name="${name}"`]
    .map((f) => `filter=${encodeURIComponent(f)}`)
    .join('&');
  const res = await fetch(`${am.url}/api/v2/alerts?${filter}`, { signal: AbortSignal.timeout(10_000) });
  return (await res.json()) as AmAlert[];
}

for (const version of flinkVersions()) {
  describe(`Flink ${version}: restore points, root cause, time to recover`, { timeout: 20 * 60_000 }, () => {
    const run = new ScenarioRun();
    const dir = runDir('restore', version);
    run.useStack(`Flink ${version} restore`, dir, () =>
      startStack({
        version,
        dir,
        jobs: Object.values(JOBS),
        // Checkpoints every 5 s: three retained ones outlive the few seconds the remembered path can lag.
        jobArgs: { [JOBS.vanished]: { checkpointIntervalMs: 5000 } },
        restartAttempts: RESTART_ATTEMPTS,
        slots: 4,
        notifyOutcomes: true,
        recovery: {
          maxAttempts: MAX_ATTEMPTS,
          cooldown: '2s',
          resetAfter: '15s',
          verifyTimeout: '45s',
          onNoCheckpoint: 'fresh',
        },
        beforeGuardian: deployStopped(Object.values(JOBS)),
      }),
    );

    run.scenario(
      'F1. newest checkpoint deleted: restored from the next newest, said so; the root exception is reported',
      JOBS.fallback,
      async (s, t) => {
        const name = JOBS.fallback;
        const id0 = await startJob(s, name);
        await waitFor(() => completedOnDisk(s, id0).length >= 2, 60_000, { what: 'two retained checkpoints' });
        // Down while the newest checkpoint goes: with FlinkJobFailed `for: 0s` it acts within a scrape otherwise.
        await s.guardian.stop();
        await failForGood(s, name, id0, FAILS_TO_END_FAILED);
        // Flink names the newest retained checkpoint as the failed instance's latest (its statistics are cached
        // for a few seconds): the recovery knows of it, then finds it gone.
        const newest = await waitFor(
          async () => {
            const onDisk = completedOnDisk(s, id0)[0];
            const latest = (await checkpointStats(s.flink.restUrl, id0)).latest.completed;
            return onDisk !== undefined && latest?.id === onDisk.id ? onDisk : undefined;
          },
          20_000,
          { what: `Flink's latest checkpoint of ${id0} to be the newest on disk` },
        );
        rmSync(newest.path, { recursive: true, force: true });
        const next = completedOnDisk(s, id0)[0];
        assert.ok(next !== undefined, 'an older retained checkpoint is left');
        t.diagnostic(`deleted chk-${newest.id} (${newest.path}); next newest chk-${next.id}`);
        await s.guardian.start();

        const episode = await waitEpisode(s.guardian, name, 'an attempt RUNNING', (e) =>
          e.attempts.some((a) => a.runningAt !== undefined),
        );
        const attempt = episode.attempts[0];
        assert.ok(attempt !== undefined);
        assert.equal(episode.attempts.length, 1, 'no attempt spent on the deleted checkpoint');
        assert.equal(checkpointIdOf(attempt.restorePath ?? ''), next.id, `restored from ${attempt.restorePath}`);
        assert.ok((attempt.restorePath ?? '').includes(id0), 'a checkpoint of the failed instance');
        await waitForJobState(s.flink.restUrl, attempt.jobId, ['RUNNING'], 60_000);
        await assertResumedFrom(s, name, attempt.jobId, next.id);

        // Says so: the episode (API) or its audit lines name the newest checkpoint it could not use.
        const told = mentions(episode, newest.path) || s.guardian.jobLogs(name).some((l) => mentions(l, newest.path));
        assert.ok(told, `the API or the audit log names the missing ${newest.path}`);

        // The root cause, from Flink's /jobs/:id/exceptions of the failed instance.
        // (1.20 still has `root-exception`; both list the failures in `exceptionHistory`, newest first.)
        const exceptions = (await (await fetch(`${s.flink.restUrl}/jobs/${id0}/exceptions`)).json()) as {
          'root-exception'?: string;
          exceptionHistory?: { entries?: { exceptionName?: string }[] };
        };
        const flinkRoot = exceptions['root-exception']?.split('\n')[0];
        const history = exceptions.exceptionHistory?.entries?.[0]?.exceptionName;
        t.diagnostic(
          `Flink: root-exception ${flinkRoot ?? '(none)'}; newest in exceptionHistory ${history ?? '(none)'}`,
        );
        assert.ok(mentions(episode, ROOT_EXCEPTION) && mentions(episode, ROOT_MESSAGE), 'GET /api/v1/recoveries');
        const audited = s.guardian.jobLogs(name).filter((l) => mentions(l, ROOT_EXCEPTION));
        assert.ok(audited.length > 0, 'an audit line carries the root exception');
        assert.equal(fieldOf(episode, ['failureTimeSource', 'failure_time_source']), 'end_time');

        // The outcome alert, as Alertmanager holds it, carries the root exception in its annotations.
        const outcome = await waitFor(
          async () =>
            (await outcomeAlerts(s, name)).find((a) =>
              Object.values(a.annotations).some((v) => v.includes(ROOT_MESSAGE)),
            ),
          60_000,
          { what: 'a FlinkRecoveryOutcome alert with the root exception' },
        );
        assert.ok(
          Object.values(outcome.annotations).some((v) => v.includes(ROOT_EXCEPTION)),
          JSON.stringify(outcome.annotations),
        );
        t.diagnostic(`FlinkRecoveryOutcome ${outcome.labels.outcome}: ${Object.keys(outcome.annotations).join(', ')}`);
      },
    );

    run.scenario(
      'F2. every checkpoint gone: state_lost pages (exhausted, FlinkRecoveryExhausted), never started fresh',
      JOBS.lost,
      async (s, t) => {
        const name = JOBS.lost;
        const id0 = await startJob(s, name);
        await s.guardian.stop();
        await failForGood(s, name, id0, FAILS_TO_END_FAILED);
        // Every retained checkpoint of the job name, including those of its first deployment.
        const ids = (await jobsOverview(s.flink.restUrl)).filter((j) => j.name === name).map((j) => j.jid);
        for (const id of ids) rmSync(join(s.flink.checkpointDir, id), { recursive: true, force: true });
        t.diagnostic(`deleted the checkpoints of ${ids.join(', ')}`);
        await s.guardian.start();

        const episode = await waitEpisode(s.guardian, name, 'the episode to end', (e) => e.status !== 'open');
        assert.equal(episode.status, 'exhausted', JSON.stringify(episode));
        assert.ok(mentions(episode, 'state_lost'), `reason state_lost: ${JSON.stringify(episode)}`);
        assert.equal(episode.attempts.length, 0, 'nothing submitted');
        const firing = await waitFor(() => alertOf(s, 'FlinkRecoveryExhausted', name, 'firing'), 60_000, {
          what: 'FlinkRecoveryExhausted firing',
        });
        t.diagnostic(`FlinkRecoveryExhausted firing since ${firing.activeAt}`);
        const ended = s.guardian.jobLogs(name).find((l) => l.outcome === 'exhausted');
        assert.equal(ended?.reason, 'state_lost', 'the audit line');
        const outcome = await waitFor(
          async () => (await outcomeAlerts(s, name)).find((a) => a.labels.outcome === 'exhausted'),
          60_000,
          { what: 'FlinkRecoveryOutcome exhausted' },
        );
        assert.ok(mentions(outcome.annotations, 'state_lost'), JSON.stringify(outcome.annotations));
        // Past another alert window (Alertmanager repeats every 20 s): still only the failed instance.
        await sleep(ALERT_WINDOW_MS);
        assert.deepEqual(
          (await s.instances(name)).map((j) => [j.jid, j.state]),
          [[id0, 'FAILED']],
          'not started fresh',
        );
        assert.equal(sampleSum(await s.guardian.metrics(), 'flink_recovery_exhausted', { job_name: name }), 1);
      },
    );

    run.scenario(
      'F3. a job that vanished with its JobManager: time to recover includes the time it was gone',
      JOBS.vanished,
      async (s, t) => {
        const name = JOBS.vanished;
        const id0 = await startJob(s, name);
        const scrapeMs = parseDuration(s.intervals.scrape_interval);
        assert.ok(scrapeMs !== undefined, `the guardian's scrape interval: ${s.intervals.scrape_interval}`);
        // The exporter has seen it RUNNING.
        await waitFor(async () => (await s.query(`flink_job_up{job_name="${name}"} == 1`)).length === 1, 30_000, {
          what: 'Prometheus to see the job up',
        });
        const histogram = async (): Promise<{ sum: number; count: number }> => {
          const metrics = await s.guardian.metrics();
          const labels = { cluster: GUARDIAN_CLUSTER };
          return {
            sum: sampleSum(metrics, 'flink_recovery_time_to_recover_seconds_sum', labels) ?? 0,
            count: sampleSum(metrics, 'flink_recovery_time_to_recover_seconds_count', labels) ?? 0,
          };
        };
        const before = await histogram();
        const killedAt = Date.now();
        await s.flink.killJobManager();
        await s.flink.startJobManager();
        t.diagnostic(`JobManager back (no HA) after ${Date.now() - killedAt} ms`);
        assert.deepEqual(await s.instances(name), [], 'the JobManager forgot the job');

        const episode = await waitEpisode(s.guardian, name, 'the vanished job RUNNING again', (e) =>
          e.attempts.some((a) => a.runningAt !== undefined),
        );
        assert.equal(episode.trigger, 'missing');
        const attempt = episode.attempts.find((a) => a.runningAt !== undefined);
        assert.ok(attempt !== undefined);
        assert.ok((attempt.restorePath ?? '').includes(id0), `from a checkpoint of ${id0}: ${attempt.restorePath}`);
        const runningAt = await runningTimestamp(s.flink.restUrl, attempt.jobId);
        assert.ok(runningAt !== undefined);
        const line = await waitFor(
          () =>
            s.guardian
              .jobLogs(name)
              .find((l: GuardianLogLine) => l.seconds_since_failure !== undefined && l.job_id === attempt.jobId),
          30_000,
          { what: 'the audit line of the job RUNNING again' },
        );
        const seconds = Number(line.seconds_since_failure);
        const sourceLine = s.guardian.jobLogs(name).find((l) => l.failure_time_source !== undefined);
        // The job was last seen by a scrape at most one interval before the kill, and is RUNNING again at
        // `runningAt` (the guardian notices a moment later).
        const gone = (runningAt - killedAt) / 1000;
        t.diagnostic(
          `gone ${gone.toFixed(1)} s (kill to Flink's RUNNING); seconds_since_failure ${seconds}; ` +
            `failure_time_source ${String(sourceLine?.failure_time_source)}`,
        );
        assert.equal(sourceLine?.failure_time_source, 'last_seen', 'the audit line');
        assert.equal(fieldOf(episode, ['failureTimeSource', 'failure_time_source']), 'last_seen', 'the API');
        assert.ok(seconds >= gone - 0.25, `seconds_since_failure ${seconds} covers the ${gone.toFixed(1)} s gone`);
        assert.ok(
          seconds <= gone + scrapeMs / 1000 + 3,
          `seconds_since_failure ${seconds}: at most a scrape interval (plus noticing RUNNING) over ${gone}`,
        );
        const after = await waitFor(
          async () => {
            const h = await histogram();
            return h.count > before.count ? h : undefined;
          },
          30_000,
          { what: 'flink_recovery_time_to_recover_seconds to observe the recovery' },
        );
        assert.equal(after.count, before.count + 1);
        assert.ok(
          Math.abs(after.sum - before.sum - seconds) < 0.5,
          `the histogram observed ${after.sum - before.sum} s, the audit line says ${seconds} s`,
        );
      },
    );
  });
}
