import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { attemptJobId, rootOf } from '../../src/recovery/model/job-id.js';
import {
  closeEnv,
  episodeOf,
  metric,
  notify,
  runs,
  startEnv,
  startService,
  stopService,
  waitFor,
  TOKEN,
  type Env,
} from './recovery-harness.js';
import { payload } from '../support/alertmanager.js';

for (const version of ['1.20.1', '2.1.0']) {
  describe(`recovery against the simulator (Flink ${version})`, () => {
    let env: Env | undefined;
    afterEach(async () => {
      if (env !== undefined) await closeEnv(env);
      env = undefined;
    });
    const start = async (opts: Parameters<typeof startEnv>[0] = {}) => {
      env = await startEnv({ ...opts, sim: { version, ...opts.sim } });
      return env;
    };

    it('recovers from the latest checkpoint, uploading the jar, and closes the episode as recovered', async () => {
      const e = await start();
      const failed = e.sim.addJob({ name: 'orders', startTime: Date.now() - 60_000 });
      e.sim.completeCheckpoint(failed);
      const latest = e.sim.completeCheckpoint(failed);
      e.sim.fail(failed);
      const res = await notify(e, payload());
      assert.equal(res.status, 200);
      // Metrics follow the durable write, so wait on them rather than on the in-memory episode.
      await waitFor(
        async () => (await metric(e, 'flink_recovery_episodes_total', { outcome: 'recovered' })) === 1,
        5_000,
        'recovered',
      );
      assert.equal(episodeOf(e)?.outcome, 'recovered');
      assert.deepEqual(runs(e), [{ status: 200, jobId: attemptJobId(rootOf(failed), 1), savepointPath: latest }]);
      assert.equal(e.sim.uploads().length, 1);
      const successor = e.sim.job(attemptJobId(rootOf(failed), 1));
      assert.equal(successor?.state, 'RUNNING');
      assert.equal(successor?.restoredFrom, latest);
      assert.equal(
        await metric(e, 'flink_recovery_attempts_total', { restore_from: 'checkpoint', result: 'succeeded' }),
        1,
      );
      assert.equal(await metric(e, 'flink_recovery_episodes_total', { outcome: 'recovered' }), 1);
      assert.match(await e.registry.metrics(), /flink_recovery_time_to_recover_seconds_count\{cluster="prod"\} 1\n/);
    });

    it("records Flink's root exception; one the policy names pages as not_retryable", async () => {
      const e = await start({ recovery: { notRetryable: [{ messagePattern: 'poison pill' }] } });
      const failed = e.sim.addJob({ name: 'orders' });
      e.sim.completeCheckpoint(failed);
      e.sim.fail(failed, {
        exceptionName: 'java.lang.IllegalStateException',
        stacktrace:
          'java.lang.IllegalStateException: poison pill in partition 3\n\tat com.example.Orders.map(Orders.java:42)',
        failureLabels: { type: 'user' },
      });
      await notify(e, payload());
      await waitFor(() => episodeOf(e)?.status === 'exhausted', 5_000, 'exhausted');
      const ep = episodeOf(e);
      assert.equal(ep?.endReason, 'not_retryable');
      assert.equal(ep?.rootCause?.exceptionClass, 'java.lang.IllegalStateException');
      assert.match(ep?.rootCause?.message ?? '', /poison pill in partition 3\n\tat com.example.Orders.map/);
      assert.deepEqual(ep?.rootCause?.failureLabels, { type: 'user' });
      assert.equal(runs(e).length, 0);
    });

    it('pause and resume through the API: a paused job is not recovered', async () => {
      const e = await start();
      const post = (path: string) =>
        fetch(`${e.url}/api/v1/recoveries/prod/orders/${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}` },
        });
      assert.equal((await post('pause')).status, 200);
      const listed = (await (
        await fetch(`${e.url}/api/v1/recoveries`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).json()) as { paused: { cluster: string; jobName: string }[] };
      assert.deepEqual(
        listed.paused.map((p) => `${p.cluster}/${p.jobName}`),
        ['prod/orders'],
      );
      assert.match(await e.registry.metrics(), /flink_recovery_paused\{cluster="prod",job_name="orders"\} 1/);
      const failed = e.sim.addJob({ name: 'orders' });
      e.sim.completeCheckpoint(failed);
      e.sim.fail(failed);
      await notify(e, payload());
      await waitFor(
        async () => (await metric(e, 'flink_recovery_skipped_total', { reason: 'paused' })) === 1,
        5_000,
        'a paused skip',
      );
      assert.equal(runs(e).length, 0);
      assert.equal((await post('resume')).status, 200);
      assert.equal((await post('resume')).status, 409);
      await notify(e, payload());
      await waitFor(() => runs(e).some((r) => r.status === 200), 5_000, 'a run after resume');
    });

    it('reuses a jar the cluster already has', async () => {
      const e = await start();
      e.sim.addJar('orders.jar', { entryClass: 'com.example.Orders', jobName: 'orders' });
      const failed = e.sim.addJob({ name: 'orders' });
      e.sim.completeCheckpoint(failed);
      e.sim.fail(failed);
      await notify(e, payload());
      await waitFor(() => runs(e).length === 1);
      assert.equal(e.sim.uploads().length, 0);
    });

    it('falls back to the savepoint when the job has no retained checkpoint', async () => {
      const e = await start();
      const failed = e.sim.addJob({ name: 'orders', checkpointing: { retention: 'NO_EXTERNALIZED_CHECKPOINTS' } });
      e.sim.completeCheckpoint(failed);
      const sp = e.sim.takeSavepoint(failed);
      e.sim.fail(failed); // deletes the checkpoints, not the savepoint
      await notify(e, payload());
      await waitFor(() => runs(e).some((r) => r.status === 200), 5_000, 'a successful run');
      const ok = runs(e).filter((r) => r.status === 200);
      assert.equal(ok[0]?.savepointPath, sp);
    });

    it('a refused restore point fails that attempt; the next newest is tried', async () => {
      const e = await start();
      const failed = e.sim.addJob({ name: 'orders' });
      const chk = e.sim.completeCheckpoint(failed);
      // The savepoint is the newest restore point; it is deleted, so the checkpoint before it is next.
      const sp = e.sim.takeSavepoint(failed);
      e.sim.fail(failed);
      e.sim.deletePath(sp);
      await notify(e, payload());
      await waitFor(
        async () => (await metric(e, 'flink_recovery_episodes_total', { outcome: 'recovered' })) === 1,
        5_000,
        'recovered',
      );
      assert.deepEqual(
        runs(e).map((r) => [r.status, r.savepointPath]),
        [
          [400, sp],
          [200, chk],
        ],
      );
      assert.equal(episodeOf(e)?.attempts[0]?.failure, 'restore_refused');
      assert.equal(
        await metric(e, 'flink_recovery_attempts_total', { restore_from: 'savepoint', result: 'failed' }),
        1,
      );
      assert.equal(
        await metric(e, 'flink_recovery_attempts_total', { restore_from: 'checkpoint', result: 'succeeded' }),
        1,
      );
    });

    it('a missing job (JobManager restarted without HA) restores from the remembered path', async () => {
      const e = await start();
      const old = e.sim.addJob({ name: 'orders' });
      const chk = e.sim.completeCheckpoint(old);
      e.memory.map.set('prod/orders', { jobId: old, lastState: 'RUNNING', checkpointPath: chk, seenAt: Date.now() });
      e.sim.restartJobManager();
      await notify(e, payload('firing', { alertname: 'FlinkJobMissing' }));
      await waitFor(() => runs(e).length === 1);
      assert.deepEqual(runs(e)[0], { status: 200, jobId: attemptJobId(rootOf(old), 1), savepointPath: chk });
      await waitFor(() => episodeOf(e)?.outcome === 'recovered', 5_000, 'recovered');
    });

    it('scans the checkpoint directory as the last resort', async () => {
      const e = await start();
      const failed = e.sim.addJob({ name: 'orders', checkpointing: false });
      e.sim.fail(failed);
      const ckdir = join(e.dir, 'checkpoints');
      for (const n of [3, 9]) {
        await mkdir(join(ckdir, failed, `chk-${n}`), { recursive: true });
        await writeFile(join(ckdir, failed, `chk-${n}`, '_metadata'), 'x');
      }
      await mkdir(join(ckdir, failed, 'chk-10'), { recursive: true }); // incomplete: no _metadata
      // Restart the service with the cluster's checkpointDir configured.
      await stopService(e);
      e.config = { ...e.config, clusters: e.config.clusters.map((c) => ({ ...c, checkpointDir: `file:${ckdir}` })) };
      await startService(e);
      await notify(e, payload());
      await waitFor(() => runs(e).length === 1);
      assert.equal(runs(e)[0]?.savepointPath, `file:${ckdir}/${failed}/chk-9`);
      assert.equal(episodeOf(e)?.attempts[0]?.restoreFrom, 'scan');
    });

    it('an always-failing job: exactly maxAttempts submissions, then exhausted', async () => {
      const e = await start();
      e.sim.setRunBehaviour({ outcome: 'failed', startDelayMs: 20 });
      const failed = e.sim.addJob({ name: 'orders' });
      e.sim.completeCheckpoint(failed);
      e.sim.fail(failed);
      await notify(e, payload());
      await waitFor(
        async () => (await metric(e, 'flink_recovery_exhausted', { job_name: 'orders' })) === 1,
        8_000,
        'exhausted',
      );
      await new Promise((r) => setTimeout(r, 400)); // nothing more may happen
      await notify(e, payload());
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(runs(e).length, 3);
      assert.equal(new Set(runs(e).map((r) => r.jobId)).size, 3);
      assert.equal(await metric(e, 'flink_recovery_exhausted', { job_name: 'orders' }), 1);
      assert.equal(await metric(e, 'flink_recovery_episodes_total', { outcome: 'exhausted' }), 1);
      assert.equal(await metric(e, 'flink_recovery_skipped_total', { reason: 'exhausted' }), 1);
      const reset = await fetch(`${e.url}/api/v1/recoveries/prod/orders/reset`, {
        method: 'POST',
        headers: { authorization: 'Bearer integration-token' },
      });
      assert.equal(reset.status, 200);
      assert.equal(await metric(e, 'flink_recovery_exhausted', { job_name: 'orders' }), 0);
    });

    for (const stop of ['cancel', 'finish'] as const) {
      it(`a ${stop === 'cancel' ? 'CANCELED' : 'FINISHED'} job is never resubmitted`, async () => {
        const e = await start();
        const id = e.sim.addJob({ name: 'orders' });
        e.sim.completeCheckpoint(id);
        e.sim[stop](id);
        await notify(e, payload());
        await waitFor(async () => (await metric(e, 'flink_recovery_skipped_total', { reason: 'not_failed' })) === 1);
        assert.equal(runs(e).length, 0);
      });
    }

    it('an active instance beside the failed one is left alone', async () => {
      const e = await start();
      const failed = e.sim.addJob({ name: 'orders', startTime: Date.now() - 60_000 });
      e.sim.fail(failed);
      e.sim.addJob({ name: 'orders', state: 'RESTARTING', startTime: Date.now() - 120_000 });
      await notify(e, payload());
      await waitFor(async () => (await metric(e, 'flink_recovery_skipped_total', { reason: 'instance_active' })) === 1);
      assert.equal(runs(e).length, 0);
    });

    it('50 concurrent duplicate notifications start one submission', async () => {
      const e = await start({ sim: { startDelayMs: 100 } });
      const failed = e.sim.addJob({ name: 'orders' });
      e.sim.completeCheckpoint(failed);
      e.sim.fail(failed);
      const answers = await Promise.all(Array.from({ length: 50 }, () => notify(e, payload())));
      assert.ok(answers.every((r) => r.status === 200));
      await waitFor(() => episodeOf(e)?.outcome === 'recovered', 5_000, 'recovered');
      assert.equal(runs(e).length, 1);
    });

    it('resolved alerts and alerts without flink_recovery=auto start nothing', async () => {
      const e = await start();
      const failed = e.sim.addJob({ name: 'orders' });
      e.sim.fail(failed);
      assert.equal((await notify(e, payload('resolved'))).status, 200);
      assert.equal((await notify(e, payload('firing', { flink_recovery: 'manual' }))).status, 200);
      await waitFor(async () => (await metric(e, 'flink_recovery_skipped_total', { reason: 'resolved' })) === 1);
      assert.equal(await metric(e, 'flink_recovery_skipped_total', { reason: 'not_auto' }), 1);
      assert.equal(runs(e).length, 0);
    });

    it('bad and unauthenticated bodies are refused and start nothing', async () => {
      const e = await start();
      const failed = e.sim.addJob({ name: 'orders' });
      e.sim.fail(failed);
      assert.equal((await notify(e, payload(), null)).status, 401);
      assert.equal((await notify(e, payload(), 'wrong')).status, 401);
      assert.equal((await notify(e, { version: '4', alerts: 'no' })).status, 400);
      assert.equal((await notify(e, '{not json')).status, 400);
      assert.equal(
        (await notify(e, { ...(payload() as object), commonAnnotations: { x: 'y'.repeat(70_000) } })).status,
        413,
      );
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(runs(e).length, 0);
      const api = await fetch(`${e.url}/api/v1/recoveries`);
      assert.equal(api.status, 401);
    });
  });
}
