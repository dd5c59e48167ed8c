/**
 * The real service under test: `bin/flink-guardian.js serve` in its own process with a generated configuration,
 * scraped and posted to over HTTP like Prometheus and Alertmanager would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { unconfined, type Confine } from './cgroup.js';

export const TOKEN = 'bench-token';

export interface CatalogJob {
  readonly name: string;
  readonly entryClass?: string;
}

export interface ServiceOptions {
  readonly root: string;
  readonly simUrl: string;
  readonly concurrency: number;
  readonly catalog: readonly CatalogJob[];
  /** Extra node flags, e.g. --cpu-prof. */
  readonly execArgv?: readonly string[];
  /** The heap flags to run with instead of the launcher's (`[]`: Node's defaults). */
  readonly nodeFlags?: readonly string[];
  /** Runs the command in a memory cgroup (`--memory-limit`); as it is when absent. */
  readonly confine?: Confine;
}

/**
 * The node flags of the launcher's `#!/usr/bin/env -S node …` line: the service is measured as users run it
 * (`npx flink-guardian`, `npm start`, the systemd unit all go through that line).
 */
export function launcherNodeFlags(root: string): string[] {
  const first = readFileSync(join(root, 'bin', 'flink-guardian.js'), 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env(?: -S)? node((?: --?[\w-]+(?:=\S+)?)*)$/.exec(first);
  if (m === null) throw new Error(`bin/flink-guardian.js: unexpected first line ${JSON.stringify(first)}`);
  return (m[1] ?? '').split(' ').filter(Boolean);
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

/** The configuration file of a benchmark service. */
export function configYaml(o: {
  listen: string;
  stateDir: string;
  simUrl: string;
  concurrency: number;
  catalog: readonly CatalogJob[];
  /** A readable local jar: check-config and serve refuse a catalog job whose jar is not there. */
  jar: string;
}): string {
  const lines = [
    `listen: ${o.listen}`,
    `stateDir: ${yamlString(o.stateDir)}`,
    'logLevel: warn',
    'clusters:',
    '  - name: bench',
    `    url: ${o.simUrl}`,
    `    concurrency: ${o.concurrency}`,
    'webhook:',
    `  bearerToken: ${TOKEN}`,
    'jobs:',
  ];
  if (o.catalog.length === 0) lines[lines.length - 1] = 'jobs: []';
  for (const job of o.catalog) {
    lines.push('  - cluster: bench', `    name: ${yamlString(job.name)}`, `    jar: ${yamlString(o.jar)}`);
    if (job.entryClass !== undefined) lines.push(`    entryClass: ${job.entryClass}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface Scrape {
  readonly wallMs: number;
  readonly bytes: number;
  readonly series: number;
  readonly cpuSeconds: number;
  readonly rssBytes: number;
  readonly scrapeDurationSeconds: number;
}

function metricValue(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

/** A size field of `/proc/PID/status`, bytes; NaN when it cannot be read. */
function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? Number.NaN : Number(m[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** Peak resident set size of process `pid` so far (VmHWM), bytes; NaN when it cannot be read. */
export function peakRssOf(pid: number): number {
  return statusBytes(pid, 'VmHWM');
}

/** Resident set size of process `pid` now (VmRSS), bytes; NaN when it cannot be read. */
export function rssOf(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

/**
 * One GET of `url`, timed from the request to the last byte read as text: the same client and the same reading
 * for the service and for the answering floor. Throws on any status but 200.
 */
export async function timedGet(url: string): Promise<{ readonly wallMs: number; readonly text: string }> {
  const t0 = performance.now();
  const res = await request(url, { headersTimeout: 120_000, bodyTimeout: 120_000 });
  const text = await res.body.text();
  const wallMs = performance.now() - t0;
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
  return { wallMs, text };
}

export class ServiceProcess {
  /** The text of the last scrape (`scrape()`), for the answering floor to send the same. */
  lastExposition = '';

  private constructor(
    /** The heap flags it runs with. */
    readonly nodeFlags: readonly string[],
    private readonly proc: ChildProcess,
    readonly base: string,
    private readonly dir: string,
    private readonly stderr: string[],
  ) {}

  /** Writes a configuration and starts the service; resolves once /readyz answers 200. */
  static async start(o: ServiceOptions): Promise<ServiceProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'guardian-bench-'));
    const port = await freePort();
    const file = join(dir, 'guardian.yaml');
    const jar = join(dir, 'pipeline.jar');
    writeFileSync(jar, 'PK');
    writeFileSync(
      file,
      configYaml({
        jar,
        listen: `127.0.0.1:${port}`,
        stateDir: join(dir, 'state'),
        simUrl: o.simUrl,
        concurrency: o.concurrency,
        catalog: o.catalog,
      }),
    );
    const nodeFlags = o.nodeFlags ?? launcherNodeFlags(o.root);
    const run = (o.confine ?? unconfined)({
      command: process.execPath,
      args: [...nodeFlags, ...(o.execArgv ?? []), join(o.root, 'bin', 'flink-guardian.js'), 'serve', '--config', file],
    });
    const proc = spawn(run.command, [...run.args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr: string[] = [];
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr.push(d);
      if (stderr.length > 50) stderr.shift();
    });
    // Reported with what the benchmark added (BENCH_NODE_FLAGS, --cpu-prof): a figure names every flag it ran with.
    const svc = new ServiceProcess(
      [...nodeFlags, ...(o.execArgv ?? [])],
      proc,
      `http://127.0.0.1:${port}`,
      dir,
      stderr,
    );
    const until = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`flink-guardian exited (${proc.exitCode}): ${stderr.join('')}`);
      try {
        const res = await request(`${svc.base}/readyz`);
        await res.body.text();
        if (res.statusCode === 200) return svc;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error(`flink-guardian not ready after 20 s: ${stderr.join('')}`);
      await sleep(50);
    }
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** Peak resident set size of the process so far (VmHWM), bytes. */
  peakRss(): number {
    return peakRssOf(this.pid);
  }

  /** CPU time of the process so far (user + system, from /proc, 10 ms resolution), seconds. */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  /** One GET /metrics, timed from request to the last byte; its text is kept as `lastExposition`. */
  async scrape(): Promise<Scrape> {
    const { wallMs, text } = await timedGet(`${this.base}/metrics`);
    this.lastExposition = text;
    let series = 0;
    for (let i = text.indexOf('\n'), start = 0; i !== -1; start = i + 1, i = text.indexOf('\n', start)) {
      if (text.charCodeAt(start) !== 35 /* # */ && i > start) series += 1;
    }
    return {
      wallMs,
      bytes: Buffer.byteLength(text),
      series,
      cpuSeconds: metricValue(text, 'process_cpu_seconds_total'),
      rssBytes: metricValue(text, 'process_resident_memory_bytes'),
      scrapeDurationSeconds: metricValue(text, 'flink_guardian_scrape_duration_seconds'),
    };
  }

  /** POSTs one webhook body; resolves with the status when the answer is complete. */
  async postAlert(body: string): Promise<number> {
    const res = await request(`${this.base}/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body,
    });
    await res.body.text();
    return res.statusCode;
  }

  /** The episodes of GET /api/v1/recoveries. */
  async episodes(): Promise<{ readonly status: string }[]> {
    const res = await request(`${this.base}/api/v1/recoveries`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await res.body.json()) as { episodes: { status: string }[] };
    return body.episodes;
  }

  /** SIGTERM, wait for the exit, remove the state directory. */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The last lines the service wrote to stderr (warnings, errors). */
  get errors(): string {
    return this.stderr.join('');
  }
}
