import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import {
  TEST_JOB_ENTRY_CLASS,
  checkpointIdOf,
  checkpointStats,
  elapsed,
  flinkVersions,
  freePort,
  startAlertmanagerPair,
  startPrometheus,
  writePrometheusConfig,
  jobsOverview,
  provisionFlink,
  readCheckpointCounts,
  readCounterState,
  runJar,
  setFailMarker,
  startFlinkCluster,
  testJobArgs,
  uploadJar,
  waitFor,
  waitForCheckpoint,
  waitForJobState,
  type CounterState,
  type FlinkCluster,
} from './harness/index.js';

// The harness against the real thing: for each Flink line, a cluster in two JVMs, the test job with retained
// checkpoints, Flink's own restart, a FAILED job restored from its checkpoint with its state, and a JobManager
// restarted without HA forgetting its jobs.

const KEYS = 4;

function localPath(externalPath: string): string {
  return externalPath.startsWith('file:')
    ? fileURLToPath(new URL(externalPath.replace(/^file:\/*/, 'file:///')))
    : externalPath;
}

/** Waits until every key was seen by a job's current attempt, so restoredCounts is complete. */
function waitForAttempt(
  outDir: string,
  jobId: string,
  predicate: (s: CounterState) => boolean,
  what: string,
): Promise<CounterState> {
  return waitFor(
    () => {
      const state = readCounterState(outDir);
      if (state === undefined) return undefined;
      if (!state.subtasks.every((s) => s.jobId === jobId)) return undefined;
      if (Object.keys(state.restoredCounts).length < KEYS) return undefined;
      return predicate(state) ? state : undefined;
    },
    60_000,
    { what },
  );
}

for (const version of flinkVersions()) {
  describe(`Flink ${version}: real cluster harness`, { timeout: 10 * 60_000 }, () => {
    it(
      'runs, checkpoints, restarts, fails, restores its state ' + 'and forgets jobs on a JobManager restart',
      async (t: TestContext) => {
        const t0 = performance.now();
        const first = await provisionFlink(version);
        const warm = await provisionFlink(version);
        t.diagnostic(
          `provision ${version}: first call ${first.millis} ms (${first.fresh ? 'cold' : 'cached'}), ` +
            `warm ${warm.millis} ms`,
        );
        assert.equal(warm.fresh, false);

        let cluster: FlinkCluster | undefined;
        let ok = false;
        try {
          cluster = await startFlinkCluster({ version, slots: 2, restartAttempts: 1 });
          t.diagnostic(`cluster ${version} started in ${cluster.startMillis} ms; run dir ${cluster.dir}`);
          const { restUrl } = cluster;

          const jarId = await uploadJar(restUrl, cluster.jobJar);
          const outDir = join(cluster.dir, 'job-out');
          const failMarker = join(cluster.dir, 'fail-marker');
          mkdirSync(outDir, { recursive: true });
          const programArgsList = testJobArgs({ name: `smoke-${version}`, outDir, failMarker, keys: KEYS, rate: 40 });

          const jobId = await runJar(restUrl, jarId, {
            entryClass: TEST_JOB_ENTRY_CLASS,
            programArgsList,
            parallelism: 2,
          });
          await waitForJobState(restUrl, jobId, ['RUNNING'], 60_000);

          // A retained checkpoint on the local disk.
          const chk = await waitForCheckpoint(restUrl, jobId, 60_000);
          assert.ok(
            existsSync(join(localPath(chk.external_path), '_metadata')),
            `no _metadata in ${chk.external_path}`,
          );
          assert.ok(localPath(chk.external_path).startsWith(join(cluster.checkpointDir, jobId)));
          const chkConfig = (await (await fetch(`${restUrl}/jobs/${jobId}/checkpoints/config`)).json()) as {
            externalization: { enabled: boolean; delete_on_cancellation: boolean };
          };
          assert.deepEqual(chkConfig.externalization, { enabled: true, delete_on_cancellation: false });
          const jobConfig = (await (await fetch(`${restUrl}/jobs/${jobId}/config`)).json()) as {
            'execution-config': { 'restart-strategy': string };
          };
          t.diagnostic(`restart strategy as Flink reports it: ${jobConfig['execution-config']['restart-strategy']}`);

          // The counters advance.
          const before = await waitFor(() => readCounterState(outDir), 30_000, { what: 'counter files' });
          await waitFor(() => (readCounterState(outDir)?.total ?? 0) > before.total + 10, 30_000, {
            what: 'counters to advance',
          });

          // One failure: Flink's fixed-delay strategy (1 attempt) restarts the job from its latest checkpoint.
          setFailMarker(failMarker, 'once');
          await waitFor(async () => (await checkpointStats(restUrl, jobId)).latest.restored, 60_000, {
            what: 'Flink to restore the job itself',
          });
          await waitForJobState(restUrl, jobId, ['RUNNING'], 60_000);
          const restoredId = (await checkpointStats(restUrl, jobId)).latest.restored?.id;
          assert.ok(restoredId !== undefined);
          const afterRestart = await waitForAttempt(
            outDir,
            jobId,
            (s) => s.subtasks.every((x) => x.attempt >= 1),
            'attempt 1',
          );
          assert.deepEqual(afterRestart.restoredCounts, readCheckpointCounts(outDir, restoredId));
          assert.ok(afterRestart.subtasks.every((s) => s.restoredCheckpointId === restoredId));

          // The restart attempt is used up: the next failure ends the job FAILED (a count of 1 is consumed, so the
          // job runs cleanly when submitted again).
          await waitForCheckpoint(restUrl, jobId, 60_000, restoredId);
          setFailMarker(failMarker, 1);
          await waitForJobState(restUrl, jobId, ['FAILED'], 60_000);
          const failedAt = readCounterState(outDir);
          const latest = (await checkpointStats(restUrl, jobId)).latest.completed;
          assert.ok(latest !== null, 'a FAILED job keeps its checkpoint statistics');
          assert.ok(
            existsSync(join(localPath(latest.external_path), '_metadata')),
            'the checkpoint is retained after FAILED',
          );
          assert.equal(checkpointIdOf(latest.external_path), latest.id);
          const checkpointCounts = readCheckpointCounts(outDir, latest.id);
          assert.ok(checkpointCounts !== undefined && Object.keys(checkpointCounts).length === KEYS);

          // Restore it from the retained checkpoint through the REST API: the counters continue from that checkpoint.
          const t1 = performance.now();
          const restoredJob = await runJar(restUrl, jarId, {
            entryClass: TEST_JOB_ENTRY_CLASS,
            programArgsList,
            parallelism: 2,
            savepointPath: latest.external_path,
          });
          await waitForJobState(restUrl, restoredJob, ['RUNNING'], 60_000);
          const resumed = await waitForAttempt(outDir, restoredJob, () => true, 'the restored job to count');
          t.diagnostic(`restore from ${latest.external_path}: RUNNING and counting after ${elapsed(t1)} ms`);
          assert.ok(resumed.subtasks.every((s) => s.restoredCheckpointId === latest.id));
          assert.deepEqual(resumed.restoredCounts, checkpointCounts, 'state continues from the checkpoint');
          for (const [key, value] of Object.entries(resumed.restoredCounts)) {
            assert.ok(value > 0, `${key} restored from zero`);
            assert.ok(value <= (failedAt?.counts[key] ?? Infinity), `${key} restored ahead of the failure`);
          }
          await waitFor(() => (readCounterState(outDir)?.total ?? 0) > resumed.total + 10, 30_000, {
            what: 'restored counters to advance',
          });
          assert.equal((await checkpointStats(restUrl, restoredJob)).latest.restored?.id, latest.id);

          // A JobManager restart without HA: the running job is gone, the TaskManager registers again.
          await waitForCheckpoint(restUrl, restoredJob, 60_000);
          const t2 = performance.now();
          await cluster.killJobManager();
          await cluster.startJobManager();
          t.diagnostic(`JobManager killed and back with the TaskManager registered in ${elapsed(t2)} ms`);
          const jobs = await jobsOverview(restUrl);
          assert.equal(
            jobs.find((j) => j.jid === restoredJob),
            undefined,
            'no HA: the JobManager forgot the job',
          );
          assert.equal(jobs.length, 0);
          const jars = (await (await fetch(`${restUrl}/jars`)).json()) as { files: { id: string }[] };
          assert.ok(
            jars.files.some((f) => f.id === jarId),
            'the uploaded jar survives the JobManager restart',
          );

          t.diagnostic(`Flink ${version} smoke total ${elapsed(t0)} ms`);
          ok = true;
        } finally {
          if (cluster !== undefined) {
            if (!ok) t.diagnostic(`kept run dir with logs: ${cluster.dir}`);
            await cluster.stop({ removeDir: ok });
          }
        }
      },
    );
  });
}

describe('Prometheus and Alertmanager wrappers', { timeout: 2 * 60_000 }, () => {
  it('start a 2-peer Alertmanager cluster and a Prometheus whose alert reaches a webhook', async (t: TestContext) => {
    const dir = mkdtempSync(join(tmpdir(), 'flink-guardian-e2e-prom-'));
    const received: unknown[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end();
      });
    });
    const hookPort = await freePort();
    await new Promise<void>((r) => hook.listen(hookPort, '127.0.0.1', r));
    const stops: (() => Promise<void>)[] = [];
    let ok = false;
    try {
      const amConfig = join(dir, 'alertmanager.yml');
      writeFileSync(
        amConfig,
        [
          'route:',
          '  receiver: hook',
          '  group_wait: 1s',
          '  group_interval: 5s',
          'receivers:',
          '  - name: hook',
          '    webhook_configs:',
          `      - url: http://127.0.0.1:${hookPort}/hook`,
          '',
        ].join('\n'),
      );
      const start = performance.now();
      const [amA, amB] = await startAlertmanagerPair({ configFile: amConfig, dir });
      stops.push(amA.stop, amB.stop);

      const rules = join(dir, 'rules.yml');
      writeFileSync(
        rules,
        ['groups:', '  - name: smoke', '    rules:', '      - alert: SmokeAlways', '        expr: vector(1)', ''].join(
          '\n',
        ),
      );
      const promConfig = writePrometheusConfig({
        file: join(dir, 'prometheus.yml'),
        scrapeJobs: [],
        ruleFiles: [rules],
        alertmanagers: [amA.url, amB.url],
      });
      // The first evaluation can run before the notifier has discovered the Alertmanagers; the alert is then
      // dropped and only re-sent after --rules.alert.resend-delay (1m by default).
      const prom = await startPrometheus({ configFile: promConfig, dir, extraArgs: ['--rules.alert.resend-delay=2s'] });
      stops.push(prom.stop);
      t.diagnostic(`Alertmanager x2 and Prometheus ready in ${elapsed(start)} ms`);

      await waitFor(() => received.length > 0, 60_000, { what: 'the alert at the webhook' });
      t.diagnostic(`first notification after ${elapsed(start)} ms`);
      ok = true;
    } finally {
      for (const stop of stops.reverse()) await stop();
      await new Promise((r) => hook.close(r));
      if (ok) rmSync(dir, { recursive: true, force: true });
      else t.diagnostic(`kept ${dir}`);
    }
  });
});
