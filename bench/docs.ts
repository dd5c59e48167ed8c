/**
 * docs/benchmarks.md, written by `npm run bench` after a full run (and by `npm run docs` from the committed
 * bench/results/latest.json): how the benchmark measures, in words, then the figures exactly as that run measured
 * them. Nothing in the document is typed by hand, so it cannot drift from the results it names.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMemoryLimit } from './cgroup.js';
import { renderMemoryLimits, renderTable, type Results } from './report.js';

/** Where the document lives, relative to the repository root. */
export const BENCHMARKS_DOC = join('docs', 'benchmarks.md');

/** The committed results of the latest full run, relative to the repository root. */
const LATEST_RESULTS = join('bench', 'results', 'latest.json');

/** The file name of a `--memory-limit` run's results under bench/results/. */
export function memoryLimitResults(label: string): string {
  return `memory-limit-${label}.json`;
}

const METHOD = `# Benchmarks

*Written by \`npm run bench\` from \`${LATEST_RESULTS}\`; do not edit by hand (\`npm run docs\` rewrites it from
the committed results).*

\`npm run bench\` measures what a scrape, an alert and a recovery cost, each beside a baseline measured in the same
run: absolute times drift on shared machines, the ratios drift less. It prints the tables below, writes the same
figures as JSON to \`${LATEST_RESULTS}\` (plus a timestamped copy, not committed) with the machine and every
target's PASS or MISS, and rewrites this page. \`npm run bench -- --quick\` (100 and 1,000 jobs, few repetitions)
is what CI runs to keep the benchmark working; it writes \`bench/results/quick-latest.json\` and leaves this page
alone. Times are reported, never asserted: the exit code is 1 only for wrong behaviour (a storm that submits more
than once, a job never submitted). \`--cpu-prof\` writes profiles of the service to \`bench/results/profiles/\`.

## How it measures

Every party runs in its own process: the Flink simulator (\`bench/sim-server.ts\`, a fixed latency per request),
the real service (\`bin/flink-guardian.js serve\` with a generated configuration), the baselines
(\`bench/fetcher.ts\`) and the load generator (autocannon). The job mix per size: most jobs RUNNING with
checkpointing (a few completed checkpoints, some failed, a few not retained), some RUNNING without checkpointing,
some FAILED instances beside their RUNNING successor, some FINISHED and CANCELED; a tenth of the jobs are in the
recovery catalog (\`bench/mix.ts\` holds the exact shares).

- **floor**: exactly the requests of a steady-state scrape (\`/overview\`, \`/jobs/overview\`, then the job
  metrics of each running instance) with the service's own transport (\`src/flink/transport.ts\`), undici pool
  and concurrency, bodies read and dropped. The ratio to it is the exporter's own overhead (parsing, validation,
  mapping, rendering, garbage collection).
- **steady state and busy cluster**: in the steady state nothing changes between scrapes, the best case, where
  every per-job family is written from the bytes kept since the scrape before. The busy cluster measures the
  sizes from 1,000 up once more with one in ten of the running jobs with checkpointing completing a checkpoint
  before each scrape (a different tenth each time, \`bench/mix.ts\` \`advance\`): the service then also asks
  for those jobs' checkpoint statistics (2 + N + M calls for N running jobs, M of them moved), renders the
  details' families again (each then has a changed row) and records their new checkpoint paths; the floors make
  the same M calls more.
- **answering floor**: the floor's requests made when the client asks, then the service's own exposition (as the
  last steady scrape returned it) sent as one prepared buffer over HTTP to the same client, timed as the service's
  scrape is, in a process of its own. The ratio to it leaves out what any exporter pays to hand over that text;
  what remains is the service's parsing, mapping and rendering.
- **naive**: every per-job endpoint of every listed instance, one request after another, like a cron script
  with curl (not run at the largest size).
- **the service as launched**: \`bin/flink-guardian.js serve\` with the node flags of the command's \`#!\` line
  (none: Node's defaults, see [operations.md](operations.md#memory)), read from that line so the benchmark runs
  what users run.
- **RSS ready → peak**: the service's RSS once \`/readyz\` answers, before its first scrape (Node, the loaded
  modules and what the configuration holds, the catalog among it), then its peak; the same for the floor client,
  before its first run and at its peak. The first part does not grow with the jobs, the difference does.
- **memory over a long run** (at 10,000 jobs, \`--soak=N\` elsewhere): after the measured scrapes, 200 more
  back to back, then as many floor runs. What a scrape promotes into V8's old generation stays there until a
  major collection, which V8 starts only once that generation has grown by a multiple of what is live, so the
  peak of ten scrapes is not the peak of a service that runs for hours. The peak RSS target is checked against
  the peak of the whole run, the service's and the floor client's alike.
- **webhook baseline**: the same autocannon load against a bare \`node:http\` server that parses the JSON body.
- **reaction floor**: the REST calls on the recoverer's path to the run request (\`/jobs/overview\`, then the
  failed instance's checkpoints and \`/jars\` together), made by the floor client right after each reaction; the
  first reactions after start are reported but not counted.
- **polls while episodes verify**: after the reactions, the simulator counts the recoverer's \`/jobs/overview\`
  reads over one poll interval, beside one read per episode and poll.
- **time to recover** comes from the end-to-end suite on real Flink with the files as shipped
  (\`bench/results/e2e-time-to-recover-shipped.json\`, written by \`test/e2e/time-to-recover.test.ts\`, phase by
  phase per Flink version), with the intervals that run used named beside it; the slowest version's p50 counts.
  What each interval costs is in [runbook.md](runbook.md#what-each-setting-costs).

What limits each figure, and what the service's memory is made of, is in
[operations.md](operations.md); how the figures changed from release to release is in
[CHANGELOG.md](../CHANGELOG.md).

## Latest full run
`;

const UNDER_A_LIMIT = `## Under a memory limit

\`npm run bench -- --only=scrape --sizes=1000,10000 --busy=0 --memory-limit=512Mi\` runs the service and each
floor client in a memory cgroup of that size of its own (Linux, as root or in a delegated cgroup), as a container's
memory limit does; the Helm chart sets 512Mi. Node sizes V8's heap from the memory its cgroup may use when it
starts, so under a limit V8 keeps a smaller young generation and collects the old one sooner: the RSS stays lower
and a scrape costs more CPU. Each run writes \`bench/results/memory-limit-SIZE.json\`. The peaks are those of the
whole run (at 10,000 jobs 200 more scrapes back to back), beside the latest full run without a limit.
`;

/** The whole document: the latest full run's results, then the runs under a memory limit, if any. */
export function benchmarksDoc(latest: Results, limited: readonly Results[]): string {
  const flags = latest.scrape.find((s) => s.nodeFlags.length > 0)?.nodeFlags;
  const launched = flags === undefined ? '' : `The service ran as launched, with \`${flags.join(' ')}\`.\n\n`;
  const limits = limited.length === 0 ? '' : `\n${UNDER_A_LIMIT}\n${renderMemoryLimits(latest, limited)}`;
  return `${METHOD}\n${launched}${renderTable(latest)}${limits}`;
}

/** The committed results under `root`: the latest full run and the runs under a memory limit, smallest first. */
export function committedResults(root: string): { readonly latest: Results; readonly limited: Results[] } {
  const dir = join(root, 'bench', 'results');
  const read = (file: string): Results => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Results;
  const bytes = (r: Results): number => parseMemoryLimit(r.settings.memoryLimit ?? '').bytes;
  const limited = readdirSync(dir)
    .filter((f) => /^memory-limit-.+\.json$/.test(f))
    .map(read)
    .sort((a, b) => bytes(a) - bytes(b));
  return { latest: read('latest.json'), limited };
}

/** Rewrites docs/benchmarks.md under `root` from the committed results. */
export function writeBenchmarksDoc(root: string): string {
  const { latest, limited } = committedResults(root);
  const path = join(root, BENCHMARKS_DOC);
  writeFileSync(path, benchmarksDoc(latest, limited));
  return path;
}
