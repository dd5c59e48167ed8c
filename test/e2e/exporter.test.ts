/**
 * The exporter's per-job series on real Flink: the job metrics it asks `/jobs/:id/metrics` for exist on each
 * version, and the series built from them follow Flink's own numbers, never ahead of them and late by no more
 * than Flink's metric fetcher and its statistics cache make them. How late is printed, not asserted: these
 * machines are noisy.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import { JOB_METRIC_IDS } from '../../src/flink/wire/metrics.js';
import {
  TEST_JOB_ENTRY_CLASS,
  checkpointStats,
  flinkVersions,
  freePort,
  runJar,
  setFailMarker,
  startFlinkCluster,
  testJobArgs,
  uploadJar,
  waitFor,
  waitForCheckpoint,
  waitForJobState,
  type FlinkCluster,
} from './harness/index.js';
import { sampleSum } from './scenarios.js';
import { GUARDIAN_CLUSTER, GuardianProcess } from './stack.js';

const JOB_NAME = 'exporter-freshness';

/** The ids Flink lists under `GET /jobs/:id/metrics` (no `get`): every job metric it has fetched. */
async function listedJobMetrics(restUrl: string, jobId: string): Promise<string[]> {
  const res = await fetch(`${restUrl}/jobs/${jobId}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return ((await res.json()) as { id: string }[]).map((m) => m.id);
}

/** Flink's completed-checkpoint count: the newer of its checkpoint statistics and its fetched job metric. */
async function completedCount(restUrl: string, jobId: string): Promise<number> {
  const stats = (await checkpointStats(restUrl, jobId)).counts.completed;
  const res = await fetch(`${restUrl}/jobs/${jobId}/metrics?get=numberOfCompletedCheckpoints`, {
    signal: AbortSignal.timeout(10_000),
  });
  const fetched = Number(((await res.json()) as { value?: string }[])[0]?.value ?? 0);
  return Math.max(stats, fetched);
}

/** Median and maximum of a list of milliseconds. */
function spread(ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms over ${ms.length}`;
}

for (const version of flinkVersions()) {
  describe(`Flink ${version}: the exporter's job series against Flink's own numbers`, { timeout: 8 * 60_000 }, () => {
    let dir: string;
    let flink: FlinkCluster | undefined;
    let guardian: GuardianProcess | undefined;
    let jobId: string;
    let failMarker: string;
    let ok = false;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `flink-guardian-e2e-exporter-${version}-`));
      flink = await startFlinkCluster({ version, dir: join(dir, 'flink'), slots: 2, restartAttempts: 2 });
      const outDir = join(dir, 'job-out');
      mkdirSync(outDir, { recursive: true });
      failMarker = join(dir, 'fail-marker');
      const jarId = await uploadJar(flink.restUrl, flink.jobJar);
      jobId = await runJar(flink.restUrl, jarId, {
        entryClass: TEST_JOB_ENTRY_CLASS,
        programArgsList: testJobArgs({ name: JOB_NAME, outDir, failMarker, checkpointIntervalMs: 1000 }),
        parallelism: 1,
      });
      await waitForJobState(flink.restUrl, jobId, ['RUNNING'], 60_000);

      const port = await freePort();
      const configFile = join(dir, 'guardian.yaml');
      writeFileSync(
        configFile,
        stringify({
          listen: `127.0.0.1:${port}`,
          stateDir: join(dir, 'state'),
          clusters: [{ name: GUARDIAN_CLUSTER, url: flink.restUrl, requestTimeout: '5s' }],
          webhook: { bearerToken: '${E2E_GUARDIAN_TOKEN}' },
        }),
      );
      guardian = new GuardianProcess(configFile, join(dir, 'guardian.log'), `http://127.0.0.1:${port}`, 'e2e-token');
      await guardian.start();
    });

    after(async () => {
      await guardian?.stop();
      await flink?.stop({ removeDir: ok });
      if (ok) rmSync(dir, { recursive: true, force: true });
    });

    const series = async (name: string, labels: Record<string, string> = {}): Promise<number | undefined> => {
      assert.ok(guardian !== undefined);
      return sampleSum(await guardian.metrics(), name, { job_name: JOB_NAME, ...labels });
    };

    it('Flink lists every job metric the exporter asks for', async (t: TestContext) => {
      assert.ok(flink !== undefined);
      const restUrl = flink.restUrl;
      await waitForCheckpoint(restUrl, jobId, 60_000);
      const listed = await waitFor(
        async () => {
          const ids = await listedJobMetrics(restUrl, jobId);
          return JOB_METRIC_IDS.every((id) => ids.includes(id)) ? ids : undefined;
        },
        60_000,
        { what: `Flink ${version} to list ${JOB_METRIC_IDS.join(', ')}`, intervalMs: 500 },
      );
      t.diagnostic(`Flink ${version} lists ${listed.length} job metrics`);
      assert.equal(await series('flink_job_up'), 1);
      assert.equal(await series('flink_job_info', { job_id: jobId }), 1);
    });

    it('flink_job_checkpoints_total follows Flink, never ahead of it', async (t: TestContext) => {
      assert.ok(flink !== undefined);
      const restUrl = flink.restUrl;
      // Each count's first moment in Flink, and when the exporter first showed it or more.
      const samples: { at: number; exported: number; completed: number }[] = [];
      const until = performance.now() + 30_000;
      while (performance.now() < until) {
        const exported = (await series('flink_job_checkpoints_total', { result: 'completed' })) ?? 0;
        const at = performance.now();
        const completed = await completedCount(restUrl, jobId);
        assert.ok(exported <= completed, `exported ${exported} completed checkpoints, Flink says ${completed}`);
        samples.push({ at, exported, completed });
        await new Promise((r) => setTimeout(r, 250));
      }
      const target = Math.max(...samples.map((x) => x.completed));
      await waitFor(
        async () => ((await series('flink_job_checkpoints_total', { result: 'completed' })) ?? 0) >= target,
        60_000,
        { what: `the exporter to reach ${target} completed checkpoints`, intervalMs: 250 },
      );
      const lags: number[] = [];
      for (const first of samples.filter((x, i) => x.completed > (samples[i - 1]?.completed ?? x.completed))) {
        const shown = samples.find((x) => x.at >= first.at && x.exported >= first.completed);
        if (shown !== undefined) lags.push(Math.round(shown.at - first.at));
      }
      assert.ok(lags.length > 0, 'the exporter caught up with a count Flink showed');
      t.diagnostic(`Flink ${version}: completed count late by ${spread(lags)}`);
      const completedAt = await series('flink_job_last_checkpoint_completed_timestamp_seconds');
      assert.ok(completedAt !== undefined && completedAt <= Date.now() / 1000 + 1, `completed at ${completedAt}`);
    });

    it('flink_job_restarts_total counts a restart Flink made itself', async (t: TestContext) => {
      assert.ok(flink !== undefined);
      assert.equal(await series('flink_job_restarts_total'), 0);
      const failedAt = performance.now();
      setFailMarker(failMarker, 'once');
      await waitFor(async () => (await series('flink_job_restarts_total')) === 1, 60_000, {
        what: 'flink_job_restarts_total 1',
        intervalMs: 250,
      });
      t.diagnostic(
        `Flink ${version}: restart counted ${Math.round(performance.now() - failedAt)} ms after the failure`,
      );
      await waitForJobState(flink.restUrl, jobId, ['RUNNING'], 60_000);
      assert.equal(await series('flink_job_info', { job_id: jobId }), 1, 'the same instance, restarted by Flink');
      ok = true;
    });
  });
}
