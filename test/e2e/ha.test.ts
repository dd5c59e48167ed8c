/**
 * Flink's own ZooKeeper HA on real systems: ZooKeeper (Debian's package) on a free port, the JobManager with
 * `high-availability.type: zookeeper`, flink-guardian, Prometheus with the project's rules and Alertmanager.
 * The JobManager is killed with SIGKILL while the job runs and started again after 5 s, then after 30 s; each time
 * Flink's new leader recovers the job itself (same JobID, from its checkpoint), and for two minutes after each
 * restart nobody submits anything: Flink lists no new instance, its JobManager log no new submission, and
 * flink-guardian opens no episode and starts no attempt. One cluster per Flink version, both restarts in it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import {
  checkpointStats,
  elapsed,
  flinkVersions,
  sleep,
  startZooKeeper,
  waitForCheckpoint,
  waitForJobState,
  type RunningZooKeeper,
} from './harness/index.js';
import { sampleSum, waitAdvance, waitCounting } from './scenarios.js';
import { startStack } from './stack.js';
import { ScenarioRun, attemptLines, runDir } from './steps.js';

const JOB = 'ha-job';
/** The window the issue asks for, after each restart of the JobManager. */
const QUIET_WINDOW_MS = 120_000;

/**
 * Flink's JobManager log lines of a job submission it accepted (`Submitting job '<name>'`, the same on 1.20 and
 * 2.x). Not "Received JobGraph submission": 1.20's new leader logs that for its own recovered job graph too, and
 * refuses it as the duplicate of the job it is already running.
 */
function submissionsLogged(logFile: string, from: number): string[] {
  const text = readFileSync(logFile, 'utf8').slice(from);
  return text.split('\n').filter((l) => l.includes(`Submitting job '${JOB}'`));
}

for (const version of flinkVersions()) {
  describe(`Flink ${version}: ZooKeeper HA, the JobManager killed and restarted`, { timeout: 20 * 60_000 }, () => {
    const run = new ScenarioRun(false);
    let zk: RunningZooKeeper | undefined;
    let jobId = '';
    const dir = runDir('ha', version);
    const start = async () => {
      zk = await startZooKeeper({ dir: join(dir, 'zookeeper') });
      return startStack({
        version,
        dir,
        jobs: [JOB],
        restartAttempts: 2,
        slots: 2,
        flinkConfig: {
          'high-availability.type': 'zookeeper',
          'high-availability.zookeeper.quorum': zk.quorum,
          'high-availability.storageDir': `file://${join(dir, 'flink', 'ha')}`,
          'high-availability.cluster-id': '/e2e',
          // The new leader waits for the killed one's session to expire; ZooKeeper (tickTime 1s) caps it at 20 s.
          'high-availability.zookeeper.client.session-timeout': '10000',
        },
        // The job runs before flink-guardian starts, as a deployed job does (a catalog job Flink never ran
        // would be "missing" and started by the guardian).
        beforeGuardian: async (deploy) => {
          jobId = await deploy.submit(JOB);
          await waitForJobState(deploy.flink.restUrl, jobId, ['RUNNING'], 90_000);
        },
      });
    };
    run.useStack(`Flink ${version} HA`, dir, start, {
      stop: async () => zk?.stop(),
      logFiles: () => ({ zookeeper: zk?.logFile ?? '' }),
    });

    for (const downMs of [5000, 30_000]) {
      run.scenario(
        `JobManager kill -9, back after ${downMs / 1000} s: Flink recovers the job, flink-guardian submits nothing`,
        JOB,
        async (s, t) => {
          const jmLog = join(s.flink.logsDir, 'jobmanager.log');
          // Running, checkpointed and counting before the kill.
          await waitForJobState(s.flink.restUrl, jobId, ['RUNNING'], 90_000);
          const chk = await waitForCheckpoint(s.flink.restUrl, jobId, 60_000);
          await waitForCheckpoint(s.flink.restUrl, jobId, 60_000, chk.id);
          const counting = await waitCounting(s.job(JOB).outDir, jobId, `${JOB} to count`);
          const attemptsBefore = attemptLines(s.guardian, JOB).length;
          const instancesBefore = (await s.instances(JOB)).map((j) => j.jid);
          assert.deepEqual(instancesBefore, [jobId], 'one instance before the kill');

          const logFrom = readFileSync(jmLog, 'utf8').length;
          const killedAt = performance.now();
          await s.flink.killJobManager();
          await sleep(downMs);
          await s.flink.startJobManager();
          const backAt = performance.now();
          t.diagnostic(`JobManager killed, started again after ${downMs} ms, REST up after ${elapsed(killedAt)} ms`);

          // The window: every poll, the only instance of the job is the one Flink had; it comes back RUNNING.
          const deadline = backAt + QUIET_WINDOW_MS;
          let runningAgainMs: number | undefined;
          const seen = new Set<string>();
          let polls = 0;
          while (performance.now() < deadline) {
            const instances = await s.instances(JOB).catch(() => undefined);
            if (instances !== undefined) {
              polls += 1;
              for (const j of instances) seen.add(j.jid);
              if (runningAgainMs === undefined && instances.some((j) => j.jid === jobId && j.state === 'RUNNING')) {
                runningAgainMs = elapsed(killedAt);
              }
            }
            assert.deepEqual([...seen], seen.size === 0 ? [] : [jobId], `instances seen: ${[...seen].join(', ')}`);
            await sleep(1000);
          }
          t.diagnostic(
            `Flink listed ${jobId} RUNNING again ${runningAgainMs ?? 'never'} ms after the kill; ` +
              `${polls} polls over ${QUIET_WINDOW_MS / 1000} s`,
          );
          assert.ok(runningAgainMs !== undefined, 'Flink recovered the job within the window');
          assert.deepEqual(
            (await s.instances(JOB)).map((j) => [j.jid, j.state]),
            [[jobId, 'RUNNING']],
          );
          // Recovered with its state, by Flink: from a checkpoint, and counting on.
          const restored = (await checkpointStats(s.flink.restUrl, jobId)).latest.restored;
          assert.ok(restored !== null, 'Flink restored the job from a checkpoint');
          assert.ok(restored.id >= chk.id, `restored chk-${restored.id}, the job had chk-${chk.id} before the kill`);
          await waitAdvance(s.job(JOB).outDir, jobId, counting.total);

          assert.deepEqual(submissionsLogged(jmLog, logFrom), [], 'no job submission reached Flink');
          assert.equal(attemptLines(s.guardian, JOB).length, attemptsBefore, 'flink-guardian started no attempt');
          assert.equal(await s.guardian.episode(JOB), undefined, 'flink-guardian opened no episode');
          const metrics = await s.guardian.metrics();
          assert.equal(sampleSum(metrics, 'flink_recovery_attempts_total', { job_name: JOB }) ?? 0, 0);
          const alerts = await s.query(`count_over_time(ALERTS{job_name="${JOB}",flink_recovery="auto"}[3m])`);
          const alertNames = alerts.map((a) => `${a.metric.alertname} ${a.metric.alertstate}`);
          t.diagnostic(`recovery alerts in the window: ${alertNames.join(', ') || 'none'}`);
          const skips = s.guardian
            .jobLogs(JOB)
            .filter((l) => l.decision === 'skip')
            .map((l) => String(l.reason));
          t.diagnostic(`flink-guardian skips of ${JOB} so far: ${skips.join(', ') || 'none'}`);
        },
        QUIET_WINDOW_MS + 4 * 60_000,
      );
    }
  });
}
