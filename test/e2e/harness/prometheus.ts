import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnManaged, tailLog, type ManagedProcess } from './process.js';
import { freePort, waitFor } from './util.js';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly logFile: string;
  readonly process: ManagedProcess;
  /** SIGTERM, then SIGKILL after a few seconds. */
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** prometheus.yml to run (see {@link writePrometheusConfig}). */
  readonly configFile: string;
  /** Run folder: TSDB and log go here. */
  readonly dir: string;
  readonly port?: number;
  readonly extraArgs?: readonly string[];
  /** Default /usr/bin/prometheus (`PROMETHEUS_BIN`). */
  readonly binary?: string;
}

/** Starts Prometheus on 127.0.0.1 and waits for /-/ready. Lifecycle API on, so a test may POST /-/reload. */
export async function startPrometheus(options: PrometheusOptions): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  const dataDir = join(options.dir, 'prometheus-data');
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(options.dir, `prometheus-${port}.log`);
  const proc = spawnManaged({
    name: 'prometheus',
    command: options.binary ?? process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus',
    args: [
      `--config.file=${options.configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      ...(options.extraArgs ?? []),
    ],
    logFile,
    cwd: options.dir,
  });
  return readyServer(proc, port, logFile, 'Prometheus');
}

export async function readyServer(
  proc: ManagedProcess,
  port: number,
  logFile: string,
  what: string,
): Promise<RunningServer> {
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (!proc.running()) throw new Error(`${what} exited:\n${tailLog(logFile)}`);
        const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
        return r.ok;
      },
      30_000,
      { what: `${what} at ${url}` },
    );
  } catch (error) {
    await proc.kill();
    throw error;
  }
  return { url, port, logFile, process: proc, stop: () => proc.stop(5000) };
}

export interface PrometheusConfigOptions {
  readonly file: string;
  readonly scrapeInterval?: string;
  readonly evaluationInterval?: string;
  /** Scrape jobs: name and host:port targets. */
  readonly scrapeJobs: readonly {
    readonly job: string;
    readonly targets: readonly string[];
    readonly metricsPath?: string;
  }[];
  /** Rule file paths or globs, e.g. `<repo>/prometheus/rules/*.yml`. */
  readonly ruleFiles?: readonly string[];
  /** Alertmanager base URLs (http://127.0.0.1:PORT). */
  readonly alertmanagers?: readonly string[];
}

/** Writes a prometheus.yml for a test run (ports are only known at run time). */
export function writePrometheusConfig(options: PrometheusConfigOptions): string {
  const config = {
    global: {
      scrape_interval: options.scrapeInterval ?? '1s',
      evaluation_interval: options.evaluationInterval ?? '1s',
    },
    rule_files: options.ruleFiles ?? [],
    alerting:
      options.alertmanagers !== undefined && options.alertmanagers.length > 0
        ? { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers.map((u) => new URL(u).host) }] }] }
        : undefined,
    scrape_configs: options.scrapeJobs.map((j) => ({
      job_name: j.job,
      metrics_path: j.metricsPath ?? '/metrics',
      static_configs: [{ targets: j.targets }],
    })),
  };
  writeFileSync(options.file, stringify(config));
  return options.file;
}
