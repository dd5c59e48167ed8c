/**
 * The simulator's two doors answer alike: on one simulated cluster, the real client over HTTP and
 * `InProcessFlink` without a socket return the same values and the same refusals, on both dialects. The unit
 * tests that use the in-process door therefore see what the client would.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clusterSchema } from '../../src/config/schema.js';
import { FlinkError } from '../../src/errors.js';
import type { FlinkApi } from '../../src/flink/api.js';
import { createFlinkClient } from '../../src/flink/client.js';
import type { RunJarRequest } from '../../src/flink/types.js';
import { ManualClock } from '../support/clock.js';
import { InProcessFlink } from '../support/flink-sim/in-process.js';
import { startFlinkSimulator, type FlinkSimulator } from '../support/flink-sim/simulator.js';

const ORIGINAL = 'a'.repeat(32);
const ATTEMPT = 'b'.repeat(32);

function request(over: Partial<RunJarRequest> = {}): RunJarRequest {
  return { jobId: ATTEMPT, args: ['--x'], allowNonRestoredState: false, claimMode: 'NO_CLAIM', ...over };
}

/** What a call gives: its value, or the error's class and code (messages name the door's transport). */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await call() };
  } catch (err) {
    return { error: err instanceof FlinkError ? err.code : String(err) };
  }
}

for (const version of ['1.20.1', '2.1.0']) {
  describe(`the simulator's HTTP and in-process doors answer alike (Flink ${version})`, () => {
    let dir: string;
    let jar: string;
    let sim: FlinkSimulator;
    let http: FlinkApi;
    let inProcess: FlinkApi;
    let checkpoint: string;
    const clock = new ManualClock();

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sim-doors-'));
      jar = join(dir, 'orders.jar');
      await writeFile(jar, 'PK');
      sim = await startFlinkSimulator({ version, now: () => clock.now(), jobNames: { 'orders.jar': 'orders' } });
      http = createFlinkClient(clusterSchema.parse({ name: 'prod', url: sim.url, retries: 0 }), { clock });
      inProcess = new InProcessFlink(sim, 'prod');
      sim.addJob({ jobId: ORIGINAL, name: 'orders' });
      sim.takeSavepoint(ORIGINAL, 'file:/flink/savepoints/sp-1');
      checkpoint = sim.completeCheckpoint(ORIGINAL);
      sim.failCheckpoint(ORIGINAL);
      sim.setRestarts(ORIGINAL, 2);
      sim.fail(ORIGINAL, {
        exceptionName: 'java.io.IOException',
        stacktrace: 'java.io.IOException: disk gone\n\tat com.example.Sink.write(Sink.java:9)',
        failureLabels: { type: 'system' },
      });
      sim.addJob({ name: 'no-checkpoints', checkpointing: false });
    });
    after(async () => {
      await http.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    });

    /** Asks both doors the same question; they must agree. */
    async function same(call: (api: FlinkApi) => Promise<unknown>): Promise<unknown> {
      const viaHttp = await outcome(() => call(http));
      assert.deepEqual(await outcome(() => call(inProcess)), viaHttp);
      return viaHttp;
    }

    it('reads the cluster, its jobs, checkpoints, metrics and root causes alike', async () => {
      const noCheckpoints = sim.jobsNamed('no-checkpoints')[0]?.jobId ?? '';
      await same((api) => api.overview());
      assert.equal(((await same((api) => api.jobsOverview())) as { value: unknown[] }).value.length, 2);
      const stats = await same((api) => api.checkpoints(ORIGINAL));
      assert.equal((stats as { value: { kind: string } }).value.kind, 'enabled');
      assert.deepEqual(await same((api) => api.checkpoints(noCheckpoints)), { value: { kind: 'disabled' } });
      await same((api) => api.checkpointConfig(ORIGINAL));
      assert.deepEqual(await same((api) => api.checkpointConfig(noCheckpoints)), { value: undefined });
      await same((api) => api.jobMetrics(ORIGINAL));
      const cause = await same(async (api) => api.jobExceptions?.(ORIGINAL));
      assert.equal((cause as { value: { exceptionClass: string } }).value.exceptionClass, 'java.io.IOException');
      assert.deepEqual(await same((api) => api.checkpoints('c'.repeat(32))), { error: 'FLINK_HTTP_STATUS' });
    });

    it('refuses the same runs: an unknown jar, a deleted restore path, a JobID Flink knows', async () => {
      const jarId = sim.addJar('orders.jar');
      const refused = (result: unknown) => (result as { value: { ok: boolean; status: number } }).value;
      assert.deepEqual(refused(await same((api) => api.runJar('nope_orders.jar', request()))), {
        ok: false,
        status: 400,
        errors: [`Jar file /tmp/flink-web-upload/nope_orders.jar does not exist`],
      });
      sim.deletePath(checkpoint);
      assert.equal(refused(await same((api) => api.runJar(jarId, request({ savepointPath: checkpoint })))).status, 400);
      assert.equal(refused(await same((api) => api.runJar(jarId, request({ jobId: ORIGINAL })))).status, 400);
      assert.equal(sim.jobs().length, 2, 'no refused run started an instance');
    });

    it('starts the same instance from a run, and both find the uploaded jar', async () => {
      const viaHttp = await http.uploadJar(jar);
      const viaInProcess = await inProcess.uploadJar(jar);
      assert.equal(viaInProcess.name, viaHttp.name);
      const listed = (await same((api) => api.listJars())) as { value: { id: string }[] };
      assert.ok(listed.value.some((j) => j.id === viaHttp.id) && listed.value.some((j) => j.id === viaInProcess.id));
      const first = await http.runJar(viaHttp.id, request({ savepointPath: 'file:/flink/savepoints/sp-1' }));
      assert.deepEqual(first, { ok: true, jobId: ATTEMPT });
      const other = 'c'.repeat(32);
      const second = await inProcess.runJar(
        viaInProcess.id,
        request({ jobId: other, savepointPath: 'file:/flink/savepoints/sp-1' }),
      );
      assert.deepEqual(second, { ok: true, jobId: other });
      // The same request body on the wire, JobID aside, and the same instance from it.
      const [viaHttpBody, viaInProcessBody] = sim
        .runRequests()
        .slice(-2)
        .map((r) => r.body as object);
      assert.deepEqual({ ...viaInProcessBody, jobId: ATTEMPT }, viaHttpBody);
      const httpJob = sim.job(ATTEMPT);
      const inProcessJob = sim.job(other);
      assert.ok(httpJob !== undefined && inProcessJob !== undefined);
      assert.deepEqual({ ...inProcessJob, jobId: ATTEMPT, request: httpJob.request }, httpJob);
      assert.equal(httpJob.restoredFrom, 'file:/flink/savepoints/sp-1');
      assert.equal(httpJob.name, 'orders');
    });

    it('a connection reset is FLINK_UNREACHABLE through either door', async () => {
      sim.injectFault('GET /jobs/overview', { reset: true, times: 2 });
      assert.deepEqual(await same((api) => api.jobsOverview()), { error: 'FLINK_UNREACHABLE' });
    });
  });
}
