/**
 * A flink-guardian recoverer in its own process, for the kill -9 tests. GUARDIAN_CHILD holds
 * { simUrl, dir, jarPath, mode, alert }: mode `hold-before-post` never sends the run (killed right after the
 * intent is written), `hold-after-post` sends it but never sees the answer, `run` behaves normally.
 */
import { systemClock } from '../../src/clock.js';
import { createFlinkClient } from '../../src/flink/client.js';
import type { FlinkApi } from '../../src/flink/api.js';
import type { RunJarRequest, RunJarResult } from '../../src/flink/types.js';
import { createLogger } from '../../src/log.js';
import { Recoverer } from '../../src/recovery/recoverer.js';
import { Registry } from 'prom-client';
import { testConfig } from './recovery-harness.js';
import { MapMemory } from '../support/job-memory.js';

interface ChildOptions {
  simUrl: string;
  dir: string;
  jarPath: string;
  mode: 'hold-before-post' | 'hold-after-post' | 'run';
  alert: boolean;
}

const opts = JSON.parse(process.env.GUARDIAN_CHILD ?? '{}') as ChildOptions;
const config = testConfig(opts.simUrl, opts.dir, opts.jarPath);
const cluster = config.clusters[0];
if (cluster === undefined) throw new Error('no cluster');
const real = createFlinkClient(cluster, { retryBaseMs: 1 });
const never = new Promise<never>(() => undefined);
const keepAlive = setInterval(() => undefined, 1_000);

const api: FlinkApi = {
  cluster: real.cluster,
  overview: (s) => real.overview(s),
  jobsOverview: (s) => real.jobsOverview(s),
  checkpoints: (id, s) => real.checkpoints(id, s),
  checkpointConfig: (id, s) => real.checkpointConfig(id, s),
  jobMetrics: (id, s) => real.jobMetrics(id, s),
  listJars: (s) => real.listJars(s),
  uploadJar: (p, s) => real.uploadJar(p, s),
  async runJar(jarId: string, request: RunJarRequest, s?: AbortSignal): Promise<RunJarResult> {
    if (opts.mode === 'hold-before-post') return never;
    const result = await real.runJar(jarId, request, s);
    if (opts.mode === 'hold-after-post') {
      process.stdout.write('posted\n');
      return never;
    }
    return result;
  },
  close: () => real.close(),
};

const recoverer = await Recoverer.create({
  config,
  clients: new Map([['prod', api]]),
  memory: new MapMemory(),
  clock: systemClock,
  logger: createLogger('warn', { pretty: false, destination: process.stderr }),
  registry: new Registry(),
});
await recoverer.start();
if (opts.alert) {
  recoverer.accept([
    {
      status: 'firing',
      labels: { alertname: 'FlinkJobFailed', cluster: 'prod', job_name: 'orders', flink_recovery: 'auto' },
    },
  ]);
}
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  clearInterval(keepAlive);
  void recoverer
    .stop()
    .then(() => real.close())
    .then(() => process.exit(0));
});
