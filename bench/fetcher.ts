/**
 * The baselines, in their own process: the floor (exactly the requests a scrape needs, with the exporter's
 * transport, undici pool settings and concurrency, bodies read and dropped, nothing else) and the naive poller
 * (every per-job endpoint of every listed instance, one request after another, like a cron script with curl).
 *
 * Started with `answer: true`, the process is the answering floor instead: an HTTP server whose every GET makes
 * the floor's requests and then answers with a fixed exposition (the service's, set beforehand) as one buffer,
 * what any exporter pays to make the same calls and hand over the same text with no work of its own in between.
 * It runs in its own process so that holding the exposition does not change the floor's memory figure.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { forEachBounded } from '../src/exporter/bounded.js';
import { EXPOSITION_CONTENT_TYPE } from '../src/exporter/render.js';
import { requestText } from '../src/flink/transport.js';
import { serveCommands } from './ipc.js';

const { url, concurrency, answer } = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  concurrency: number;
  answer?: boolean;
};
// The same pool settings as src/flink/http.ts: one keep-alive pool, `concurrency` connections.
const pool = new Pool(new URL(url).origin, { connections: concurrency, keepAliveTimeout: 30_000 });
const headers = { accept: 'application/json' };

let bytes = 0;
/** One GET with the service's own transport (src/flink/transport.ts), the body read as text and dropped. */
async function get(path: string): Promise<void> {
  const res = await requestText(pool, { method: 'GET', path, headers, timeoutMs: 10_000, maxBytes: 16 * 1024 * 1024 });
  bytes += res.text.length;
  if (res.status >= 500) throw new Error(`${path}: HTTP ${res.status}`);
}

export interface FetchRun {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly requests: number;
  readonly bytes: number;
}

function measure(body: () => Promise<number>): Promise<FetchRun> {
  bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return body().then((requests) => {
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, requests, bytes };
  });
}

/** /overview and /jobs/overview together, then `paths` with `concurrency` workers. */
function floor(paths: readonly string[]): Promise<FetchRun> {
  return measure(async () => {
    await Promise.all([get('/overview'), get('/jobs/overview')]);
    await forEachBounded(paths, concurrency, get);
    return 2 + paths.length;
  });
}

/** Every request one after another. */
function naive(paths: readonly string[]): Promise<FetchRun> {
  return measure(async () => {
    await get('/overview');
    await get('/jobs/overview');
    for (const path of paths) await get(path);
    return 2 + paths.length;
  });
}

/** Steps one after another, the paths of a step at once: the REST calls on the recoverer's path to a run request. */
function path(steps: readonly (readonly string[])[]): Promise<FetchRun> {
  return measure(async () => {
    let requests = 0;
    for (const step of steps) {
      await Promise.all(step.map(get));
      requests += step.length;
    }
    return requests;
  });
}

let stored: string[] = [];
/** What a busy cluster's next scrape asks beyond the steady paths (bench/mix.ts `advance`). */
let extra: string[] = [];
const current = (): string[] => (extra.length === 0 ? stored : [...stored, ...extra]);
const commands = {
  setPaths: (a: { paths: string[] }) => {
    stored = a.paths;
    return stored.length;
  },
  setExtra: (a: { paths: string[] }) => {
    extra = a.paths;
    return extra.length;
  },
  floor: (a: { paths?: string[] }) => floor(a.paths ?? current()),
  naive: (a: { paths?: string[] }) => naive(a.paths ?? stored),
  path: (a: { steps: string[][] }) => path(a.steps),
};

if (answer === true) {
  let exposition = Buffer.alloc(0);
  const server = createServer((req, res) => {
    req.resume();
    floor(current()).then(
      () => {
        res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE });
        res.end(exposition);
      },
      (err: unknown) => {
        res.writeHead(500).end(String(err));
      },
    );
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    serveCommands(
      { url: `http://127.0.0.1:${port}/` },
      {
        ...commands,
        // From a file: a large string over the IPC channel would leave its copies in this process's peak.
        setAnswer: (a: { file: string }) => {
          exposition = readFileSync(a.file);
          return exposition.length;
        },
      },
      async () => {
        server.closeAllConnections();
        server.close();
        await pool.close();
      },
    );
  });
} else {
  serveCommands({}, commands, () => pool.close());
}
