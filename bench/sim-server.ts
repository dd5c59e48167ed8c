/**
 * The Flink simulator in its own process for the benchmarks (`node dist/bench/sim-server.js '{"latencyMs":2}'`),
 * driven over IPC by bench/run.ts, so the simulator's CPU is not charged to the service or the baselines.
 */
import { startFlinkSimulator, type Endpoint, type SimJobSpec } from '../test/support/flink-sim/simulator.js';
import { serveCommands } from './ipc.js';
import { advance, populate, type MixSummary } from './mix.js';

const options = JSON.parse(process.argv[2] ?? '{}') as { latencyMs?: number; version?: string };
const sim = await startFlinkSimulator({
  latencyMs: options.latencyMs ?? 2,
  version: options.version ?? '1.20.1',
  taskManagers: 64,
  slotsPerTaskManager: 32,
});

let mix: MixSummary | undefined;

serveCommands(
  { url: sim.url },
  {
    populate: (a: { n: number }) => {
      mix = populate(sim, a.n);
      return mix;
    },
    /** One round of a busy cluster (mix.ts `advance`) over the last population; the paths of the jobs that moved. */
    advance: (a: { every: number; round: number }) => advance(sim, mix?.checkpointing ?? [], a.every, a.round),
    counts: () => ({ total: sim.requestCount(), byEndpoint: sim.counts() }),
    resetCounts: () => sim.resetCounts(),
    addJob: (a: SimJobSpec) => sim.addJob(a),
    fail: (a: { jobId: string }) => sim.fail(a.jobId),
    completeCheckpoint: (a: { jobId: string }) => sim.completeCheckpoint(a.jobId),
    addJar: (a: { fileName: string }) => sim.addJar(a.fileName),
    mapJob: (a: { key: string; name: string }) => sim.mapJob(a.key, a.name),
    setLatency: (a: { ms: number; endpoint?: Endpoint }) => sim.setLatency(a.ms, a.endpoint),
    /** Run requests (optionally only those whose body names `entryClass`), with the simulator's receive time. */
    runs: (a: { entryClass?: string }) =>
      sim
        .runRequests()
        .filter(
          (r) =>
            a.entryClass === undefined || (r.body as { entryClass?: string } | undefined)?.entryClass === a.entryClass,
        )
        .map((r) => ({
          at: r.at,
          status: r.status,
          jobId: r.jobId,
          entryClass: (r.body as { entryClass?: string } | undefined)?.entryClass,
        })),
    /** Resolves with the first run request for `entryClass` (polling the recorded runs), or null after `timeoutMs`. */
    waitRun: async (a: { entryClass: string; timeoutMs: number }) => {
      const until = Date.now() + a.timeoutMs;
      for (;;) {
        const run = sim
          .runRequests()
          .find((r) => (r.body as { entryClass?: string } | undefined)?.entryClass === a.entryClass);
        if (run !== undefined) return { at: run.at, status: run.status };
        if (Date.now() > until) return null;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
  },
  () => sim.close(),
);
