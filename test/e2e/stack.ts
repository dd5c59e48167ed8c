/**
 * The whole loop on real systems, for the recovery scenarios and `npm run demo`: a Flink session cluster, the
 * project's own Prometheus configuration and rules, the project's Alertmanager configuration (one replica or a
 * gossiping pair), and flink-guardian built from this tree (`bin/flink-guardian.js serve`). Only the lines the
 * project's configs mark `# e2e: ...` are rewritten, in copies under the run folder: in prometheus.yml the
 * addresses only, so every interval is the shipped one and Prometheus' global ones are its defaults.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  TEST_JOB_ENTRY_CLASS,
  freePort,
  jobsOverview,
  repoRoot,
  runJar,
  spawnManaged,
  startAlertmanager,
  startAlertmanagerPair,
  startFlinkCluster,
  startPrometheus,
  tailLog,
  testJobArgs,
  uploadJar,
  waitFor,
  type FlinkCluster,
  type JobOverview,
  type ManagedProcess,
  type RunningAlertmanager,
  type RunningServer,
} from './harness/index.js';

/** The intervals a stack runs with (read from the files it runs), kept with every time-to-recover measurement. */
export interface StackIntervals {
  /** The flink-guardian scrape job's own. */
  readonly scrape_interval: string;
  /** The flink-guardian-recovery rule group's own. */
  readonly evaluation_interval: string;
  readonly scrape_timeout: string;
  /** FlinkJobFailed's `for:` (from the unchanged rule file). */
  readonly for: string;
  /** group_wait of the flink-guardian route. */
  readonly group_wait: string;
  readonly group_interval: string;
  readonly repeat_interval: string;
}

export interface StackOptions {
  readonly version: string;
  /** Run folder; everything (configs, logs, state, checkpoints, job output) goes below it. */
  readonly dir: string;
  /** Job names of the guardian's `jobs` catalog (each gets its own output folder and failure switch). */
  readonly jobs: readonly string[];
  /** Per job, test job arguments other than the defaults (e.g. a longer checkpoint interval). */
  readonly jobArgs?: Readonly<Record<string, { readonly checkpointIntervalMs?: number; readonly rate?: number }>>;
  /** Two Alertmanager replicas in a gossip cluster, Prometheus sending to both (default 1). */
  readonly alertmanagers?: 1 | 2;
  /** Flink's fixed-delay attempts (default 2): a failure switch of restartAttempts + 1 ends a job FAILED. */
  readonly restartAttempts?: number;
  readonly slots?: number;
  /** The guardian's `recovery:` section (durations as strings). */
  readonly recovery?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Alertmanager and Prometheus exactly as shipped: Alertmanager's group_interval/repeat_interval unchanged and
   * Prometheus without flags beyond its addresses. By default the stack shortens the repeats (scenarios that
   * wait for a redelivery) and Prometheus' alert resend delay (an alert firing before the notifier found the
   * Alertmanagers); group_wait and every Prometheus interval are the shipped ones either way.
   */
  readonly asShipped?: boolean;
  /** Called with a line per started component (diagnostics). */
  readonly onStep?: (message: string) => void;
  /** flink-guardian replicas, each with its own port and stateDir, both receivers of the webhook (default 1). */
  readonly guardians?: 1 | 2;
  /** Sets `recovery.notify.alertmanagerUrls` to the stack's Alertmanagers (FlinkRecoveryOutcome). */
  readonly notifyOutcomes?: boolean;
  /** More Flink config.yaml entries (e.g. ZooKeeper HA). */
  readonly flinkConfig?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Runs once the jar is uploaded and before flink-guardian starts. A catalog job that Flink has never run counts
   * as missing (no instance, not last seen CANCELED or FINISHED): FlinkJobMissing would make flink-guardian start
   * it 15 s later. Deploy the catalog here, as an operator deploys jobs before listing them.
   */
  readonly beforeGuardian?: (deploy: Deployer) => Promise<void>;
}

/** Submitting catalog jobs before the guardian runs. */
export interface Deployer {
  readonly flink: FlinkCluster;
  submit(name: string): Promise<string>;
  /** Leaves an instance out of {@link Stack.instances} (a deployment that is not part of any scenario). */
  ignore(jobId: string): void;
}

/** One JSON log line of flink-guardian. */
export interface GuardianLogLine {
  readonly level: number;
  readonly time: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export const GUARDIAN_CLUSTER = 'e2e';

/** flink-guardian as a child process (so a test can `kill -9` it and start it again on the same port). */
export class GuardianProcess {
  private proc: ManagedProcess | undefined;

  constructor(
    readonly configFile: string,
    readonly logFile: string,
    readonly url: string,
    readonly token: string,
    readonly stateDir = '',
  ) {}

  /** Spawns `bin/flink-guardian.js serve` and waits for /readyz. */
  async start(): Promise<void> {
    if (this.proc?.running() === true) throw new Error('flink-guardian is still running');
    const proc = spawnManaged({
      name: 'flink-guardian',
      command: process.execPath,
      args: [join(repoRoot(), 'bin', 'flink-guardian.js'), 'serve', '--config', this.configFile],
      logFile: this.logFile,
      cwd: repoRoot(),
      env: { ...process.env, E2E_GUARDIAN_TOKEN: this.token },
    });
    this.proc = proc;
    await waitFor(
      async () => {
        if (!proc.running()) throw new Error(`flink-guardian exited:\n${tailLog(this.logFile)}`);
        return (await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) })).ok;
      },
      30_000,
      { what: `flink-guardian at ${this.url}`, intervalMs: 100 },
    );
  }

  /** `kill -9` (SIGKILL to its process group). */
  async kill9(): Promise<void> {
    await this.proc?.kill();
  }

  async stop(): Promise<void> {
    await this.proc?.stop(10_000);
  }

  running(): boolean {
    return this.proc?.running() === true;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Every JSON line the guardian logged so far (across restarts). */
  logs(): GuardianLogLine[] {
    let text: string;
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch {
      return [];
    }
    const out: GuardianLogLine[] = [];
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as GuardianLogLine);
      } catch {
        // a line being written
      }
    }
    return out;
  }

  /** The guardian's log lines about one job. */
  jobLogs(jobName: string): GuardianLogLine[] {
    return this.logs().filter((l) => l.job_name === jobName);
  }

  async metrics(): Promise<string> {
    const res = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(20_000) });
    if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
    return res.text();
  }

  /** GET /api/v1/recoveries */
  async episodes(): Promise<GuardianEpisode[]> {
    const res = await fetch(`${this.url}/api/v1/recoveries`, {
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`GET /api/v1/recoveries: HTTP ${res.status}`);
    return ((await res.json()) as { episodes: GuardianEpisode[] }).episodes;
  }

  async episode(jobName: string): Promise<GuardianEpisode | undefined> {
    return (await this.episodes()).find((e) => e.cluster === GUARDIAN_CLUSTER && e.jobName === jobName);
  }

  /** POST /api/v1/recoveries/{cluster}/{job_name}/pause or /resume; returns the HTTP status. */
  async setPaused(jobName: string, paused: boolean): Promise<number> {
    const path = `/api/v1/recoveries/${GUARDIAN_CLUSTER}/${encodeURIComponent(jobName)}/${paused ? 'pause' : 'resume'}`;
    const res = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(10_000),
    });
    await res.text();
    return res.status;
  }

  /** POST /alertmanager with a body as Alertmanager sends it. */
  async postWebhook(body: unknown): Promise<number> {
    const res = await fetch(`${this.url}/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    await res.text();
    return res.status;
  }
}

export interface GuardianAttempt {
  readonly n: number;
  readonly jobId: string;
  readonly restoreFrom: string;
  readonly restorePath?: string;
  readonly startedAt: number;
  readonly submitTries: number;
  readonly submittedAt?: number;
  readonly runningAt?: number;
  readonly result: string;
  readonly failure?: string;
}

export interface GuardianEpisode {
  readonly id: string;
  readonly cluster: string;
  readonly jobName: string;
  readonly trigger: string;
  readonly failedJobId?: string;
  readonly failedAt: number;
  readonly openedAt: number;
  readonly status: 'open' | 'exhausted' | 'closed';
  readonly phase: string;
  readonly attempts: readonly GuardianAttempt[];
  readonly outcome?: string;
}

/** A scenario job: its Flink name, where it writes its counters and its failure switch. */
export interface StackJob {
  readonly name: string;
  readonly outDir: string;
  readonly failMarker: string;
  readonly args: readonly string[];
}

export interface Stack {
  readonly version: string;
  readonly dir: string;
  readonly flink: FlinkCluster;
  readonly prometheus: RunningServer;
  readonly alertmanagers: readonly RunningAlertmanager[];
  readonly guardian: GuardianProcess;
  /** Every replica; `guardian` is the first. */
  readonly guardians: readonly GuardianProcess[];
  readonly intervals: StackIntervals;
  /** The test job jar's id in the cluster (uploaded once; the guardian finds it by file name). */
  readonly jarId: string;
  job(name: string): StackJob;
  /** Submits a catalog job as a person would (no restore point); returns its JobID. */
  submit(name: string): Promise<string>;
  /** Every instance of a job name Flink lists, oldest first (without ignored ones). */
  instances(name: string): Promise<JobOverview[]>;
  /** Prometheus' active alerts (GET /api/v1/alerts). */
  alerts(): Promise<PromAlert[]>;
  /** An instant PromQL query; the vector's samples. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Log files of every process, for a failure report. */
  logFiles(): Record<string, string>;
  stop(): Promise<void>;
}

export interface PromAlert {
  readonly labels: Record<string, string>;
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly activeAt: string;
  readonly value: string;
}

/** Replaces the one line that holds `pattern` (and a `# e2e:` marker); throws unless it occurs exactly once. */
function rewriteLine(lines: string[], pattern: RegExp, replace: (line: string) => string | string[]): string[] {
  const hits = lines.filter((l) => pattern.test(l) && l.includes('# e2e:'));
  if (hits.length !== 1) throw new Error(`expected one marked line matching ${pattern}, found ${hits.length}`);
  return lines.flatMap((l) => (pattern.test(l) && l.includes('# e2e:') ? replace(l) : [l]));
}

function setValue(line: string, value: string): string {
  return line.replace(/^(\s*(?:- )?[a-z_]+:\s*)\S+/, `$1${value}`);
}

/** prometheus/prometheus.yml with run-time addresses and nothing else changed; rules/ copied beside it, unchanged. */
export function writeProjectPrometheusConfig(opts: {
  dir: string;
  alertmanagers: readonly string[];
  guardian: string;
}): string {
  const root = repoRoot();
  let lines = readFileSync(join(root, 'prometheus', 'prometheus.yml'), 'utf8').split('\n');
  // The one Alertmanager target line becomes one line per replica.
  lines = rewriteLine(lines, /127\.0\.0\.1:9093/, (l) => opts.alertmanagers.map((a) => l.replace('127.0.0.1:9093', a)));
  lines = rewriteLine(lines, /127\.0\.0\.1:9813/, (l) => l.replace('127.0.0.1:9813', opts.guardian));
  mkdirSync(opts.dir, { recursive: true });
  cpSync(join(root, 'prometheus', 'rules'), join(opts.dir, 'rules'), { recursive: true });
  const file = join(opts.dir, 'prometheus.yml');
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** The intervals that decide how fast a recovery starts, read from the configuration files a stack runs. */
export function intervalsOf(prometheusConfig: string, alertmanagerConfig: string): StackIntervals {
  const prom = parse(readFileSync(prometheusConfig, 'utf8')) as {
    scrape_configs: { job_name: string; scrape_interval?: string; scrape_timeout?: string }[];
  };
  const job = prom.scrape_configs.find((j) => j.job_name === 'flink-guardian');
  const rules = parse(readFileSync(join(repoRoot(), 'prometheus', 'rules', 'flink-guardian-recovery.yml'), 'utf8')) as {
    groups: { name: string; interval?: string }[];
  };
  const am = parse(readFileSync(alertmanagerConfig, 'utf8')) as {
    route: { routes: { receiver: string; group_wait?: string; group_interval?: string; repeat_interval?: string }[] };
  };
  const route = am.route.routes.find((r) => r.receiver === 'flink-guardian');
  const unset = 'unset (global)';
  return {
    scrape_interval: job?.scrape_interval ?? unset,
    evaluation_interval: rules.groups.find((g) => g.name === 'flink-guardian-recovery')?.interval ?? unset,
    scrape_timeout: job?.scrape_timeout ?? unset,
    for: ruleFor('FlinkJobFailed'),
    group_wait: route?.group_wait ?? unset,
    group_interval: route?.group_interval ?? unset,
    repeat_interval: route?.repeat_interval ?? unset,
  };
}

/**
 * alertmanager/alertmanager.yml with the webhook URL and token file rewritten and, where `timings` names a
 * route (found by the `receiver:` line that opens it), shortened group_interval/repeat_interval.
 */
export function writeProjectAlertmanagerConfig(opts: {
  dir: string;
  webhookUrl: string;
  /** More replicas of the receiver: its webhook_configs entry repeated with these URLs. */
  moreWebhookUrls?: readonly string[];
  tokenFile: string;
  timings: Readonly<Record<string, { group_interval: string; repeat_interval: string }>>;
}): string {
  const root = repoRoot();
  const lines = readFileSync(join(root, 'alertmanager', 'alertmanager.yml'), 'utf8').split('\n');
  let receiver = '';
  const seen = new Set<string>();
  const out = lines.map((line) => {
    const r = /^\s*(?:- )?receiver:\s*(\S+)/.exec(line);
    if (r?.[1] !== undefined) receiver = r[1];
    if (!line.includes('# e2e:')) return line;
    const key = /^\s*(group_interval|repeat_interval):/.exec(line)?.[1] as
      | 'group_interval'
      | 'repeat_interval'
      | undefined;
    if (key !== undefined) {
      const timing = opts.timings[receiver];
      if (timing === undefined) return line;
      seen.add(`${receiver}.${key}`);
      return setValue(line, timing[key]);
    }
    if (/^\s*(?:- )?url:/.test(line)) {
      seen.add('url');
      return setValue(line, opts.webhookUrl);
    }
    if (/^\s*credentials_file:/.test(line)) {
      seen.add('credentials_file');
      return setValue(line, opts.tokenFile);
    }
    return line;
  });
  for (const must of ['url', 'credentials_file']) {
    if (!seen.has(must)) throw new Error(`alertmanager.yml: no marked line for ${must}`);
  }
  mkdirSync(opts.dir, { recursive: true });
  const file = join(opts.dir, 'alertmanager.yml');
  writeFileSync(file, repeatWebhook(out, opts.moreWebhookUrls ?? []).join('\n'));
  return file;
}

/** The webhook_configs entry that holds the marked `url:` line, once more per URL (same auth, same options). */
function repeatWebhook(lines: readonly string[], urls: readonly string[]): string[] {
  if (urls.length === 0) return [...lines];
  const start = lines.findIndex((l) => /^\s*- url:/.test(l) && l.includes('# e2e:'));
  if (start < 0) throw new Error('alertmanager.yml: no marked webhook url line');
  const indent = (lines[start] ?? '').search(/\S/);
  let end = start + 1;
  while (end < lines.length && ((lines[end] ?? '').trim() === '' || (lines[end] ?? '').search(/\S/) > indent)) end += 1;
  const block = lines.slice(start, end);
  const copies = urls.flatMap((url) => block.map((l, i) => (i === 0 ? setValue(l, url) : l)));
  return [...lines.slice(0, end), ...copies, ...lines.slice(end)];
}

/** The `for:` of an alert in the project's rule files. */
export function ruleFor(alertname: string): string {
  const text = readFileSync(join(repoRoot(), 'prometheus', 'rules', 'flink-guardian-recovery.yml'), 'utf8');
  const match = new RegExp(`alert: ${alertname}\\n(?:.*\\n)*?\\s+for: (\\S+)`).exec(text);
  return match?.[1] ?? 'unknown';
}

/** Shorter repeats for scenarios that wait for a redelivery; every group_wait stays the shipped one. */
const AM_REPEATS = {
  'flink-guardian': { group_interval: '2s', repeat_interval: '20s' },
  'team-chat': { group_interval: '5s', repeat_interval: '1m' },
  'oncall-page': { group_interval: '5s', repeat_interval: '1m' },
};

/** Starts Flink, flink-guardian, Alertmanager(s) and Prometheus; stops what started when a step fails. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const step = options.onStep ?? (() => undefined);
  const dir = options.dir;
  mkdirSync(dir, { recursive: true });
  const token = `e2e-${Math.random().toString(36).slice(2)}`;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const flink = await startFlinkCluster({
      version: options.version,
      dir: join(dir, 'flink'),
      slots: options.slots ?? 4,
      restartAttempts: options.restartAttempts ?? 2,
      restartDelay: '1 s',
      ...(options.flinkConfig === undefined ? {} : { config: options.flinkConfig }),
    });
    stops.push(() => flink.stop());
    step(`Flink ${options.version} up in ${flink.startMillis} ms at ${flink.restUrl}`);
    const jarId = await uploadJar(flink.restUrl, flink.jobJar);

    const jobs = new Map<string, StackJob>();
    for (const name of options.jobs) {
      const jobDir = join(dir, 'jobs', name);
      const outDir = join(jobDir, 'out');
      mkdirSync(outDir, { recursive: true });
      const failMarker = join(jobDir, 'fail-marker');
      const extra = options.jobArgs?.[name] ?? {};
      jobs.set(name, {
        name,
        outDir,
        failMarker,
        args: testJobArgs({ name, outDir, failMarker, keys: 4, rate: 20, ...extra }),
      });
    }

    const ignored = new Set<string>();
    const submit = async (name: string): Promise<string> => {
      const j = jobs.get(name);
      if (j === undefined) throw new Error(`no catalog job ${name}`);
      return runJar(flink.restUrl, jarId, {
        entryClass: TEST_JOB_ENTRY_CLASS,
        programArgsList: j.args,
        parallelism: 1,
      });
    };
    if (options.beforeGuardian !== undefined) {
      await options.beforeGuardian({ flink, submit, ignore: (id) => ignored.add(id) });
    }

    // flink-guardian (Alertmanager's ports are chosen first: the guardian may post outcomes to them)
    const amCount = options.alertmanagers ?? 1;
    const amPorts: number[] = [];
    for (let i = 0; i < amCount; i += 1) amPorts.push(await freePort());
    const recovery = {
      maxAttempts: 2,
      cooldown: '2s',
      resetAfter: '15s',
      verifyTimeout: '45s',
      onNoCheckpoint: 'fresh',
      ...options.recovery,
      ...(options.notifyOutcomes === true
        ? { notify: { alertmanagerUrls: amPorts.map((p) => `http://127.0.0.1:${p}`) } }
        : {}),
    };
    const guardianConfig = (port: number, stateDir: string) => ({
      listen: `127.0.0.1:${port}`,
      stateDir,
      logLevel: 'info',
      clusters: [
        { name: GUARDIAN_CLUSTER, url: flink.restUrl, requestTimeout: '5s', checkpointDir: flink.checkpointDir },
      ],
      webhook: { bearerToken: '${E2E_GUARDIAN_TOKEN}' },
      recovery,
      jobs: [...jobs.values()].map((j) => ({
        cluster: GUARDIAN_CLUSTER,
        name: j.name,
        jar: flink.jobJar,
        entryClass: TEST_JOB_ENTRY_CLASS,
        args: [...j.args],
        parallelism: 1,
      })),
    });
    // The first replica keeps the folder name `guardian` the scenarios and the failure report know.
    const guardians: GuardianProcess[] = [];
    for (let i = 0; i < (options.guardians ?? 1); i += 1) {
      const guardianPort = await freePort();
      const guardianDir = join(dir, i === 0 ? 'guardian' : `guardian-${i + 1}`);
      mkdirSync(guardianDir, { recursive: true });
      const stateDir = join(guardianDir, 'state');
      const guardianConfigFile = join(guardianDir, 'guardian.yaml');
      writeFileSync(guardianConfigFile, stringify(guardianConfig(guardianPort, stateDir)));
      const replica = new GuardianProcess(
        guardianConfigFile,
        join(guardianDir, 'guardian.log'),
        `http://127.0.0.1:${guardianPort}`,
        token,
        stateDir,
      );
      await replica.start();
      stops.push(() => replica.stop());
      guardians.push(replica);
      step(`flink-guardian serving at ${replica.url}`);
    }
    const guardian = guardians[0] as GuardianProcess;

    // Alertmanager: one, or two peers gossiping (Prometheus sends to both, the peers deduplicate).
    const tokenFile = join(dir, 'alertmanager', 'guardian-token');
    mkdirSync(join(dir, 'alertmanager'), { recursive: true });
    writeFileSync(tokenFile, token, { mode: 0o600 });
    const amConfig = writeProjectAlertmanagerConfig({
      dir: join(dir, 'alertmanager'),
      webhookUrl: `${guardian.url}/alertmanager`,
      moreWebhookUrls: guardians.slice(1).map((g) => `${g.url}/alertmanager`),
      tokenFile,
      timings: options.asShipped === true ? {} : AM_REPEATS,
    });
    const alertmanagers: RunningAlertmanager[] = [];
    if (amCount === 2) {
      const pair = await startAlertmanagerPair({
        configFile: amConfig,
        dir: join(dir, 'alertmanager'),
        ports: [amPorts[0] as number, amPorts[1] as number],
      });
      for (const am of pair) {
        alertmanagers.push(am);
        stops.push(am.stop);
      }
    } else {
      const am = await startAlertmanager({
        configFile: amConfig,
        dir: join(dir, 'alertmanager'),
        port: amPorts[0] as number,
      });
      alertmanagers.push(am);
      stops.push(am.stop);
    }
    step(`Alertmanager x${alertmanagers.length}: ${alertmanagers.map((a) => a.url).join(', ')}`);

    const promConfig = writeProjectPrometheusConfig({
      dir: join(dir, 'prometheus'),
      alertmanagers: alertmanagers.map((a) => `127.0.0.1:${a.port}`),
      guardian: guardian.url.replace('http://', ''),
    });
    // An alert that fires on the first evaluation, before the notifier discovered the Alertmanagers, is only
    // re-sent after --rules.alert.resend-delay (1m by default).
    const prometheus = await startPrometheus({
      configFile: promConfig,
      dir: join(dir, 'prometheus'),
      extraArgs: options.asShipped === true ? [] : ['--rules.alert.resend-delay=2s'],
    });
    stops.push(prometheus.stop);
    step(`Prometheus at ${prometheus.url}`);

    const promGet = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${prometheus.url}${path}`, { signal: AbortSignal.timeout(10_000) });
      const body = (await res.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
      return body.data;
    };

    const stack: Stack = {
      version: options.version,
      dir,
      flink,
      prometheus,
      alertmanagers,
      guardian,
      guardians,
      jarId,
      intervals: intervalsOf(promConfig, amConfig),
      job(name) {
        const j = jobs.get(name);
        if (j === undefined) throw new Error(`no catalog job ${name}`);
        return j;
      },
      submit,
      async instances(name) {
        return (await jobsOverview(flink.restUrl))
          .filter((j) => j.name === name && !ignored.has(j.jid))
          .sort((a, b) => a['start-time'] - b['start-time']);
      },
      async alerts() {
        return (await promGet<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts;
      },
      async query(expr) {
        return (
          await promGet<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
            `/api/v1/query?query=${encodeURIComponent(expr)}`,
          )
        ).result;
      },
      logFiles() {
        const files: Record<string, string> = {
          guardian: guardian.logFile,
          ...Object.fromEntries(guardians.slice(1).map((g, i) => [`guardian ${i + 2}`, g.logFile])),
          'flink jobmanager': join(flink.logsDir, 'jobmanager.log'),
          'flink taskmanager': join(flink.logsDir, 'taskmanager.log'),
          prometheus: prometheus.logFile,
        };
        for (const [i, a] of alertmanagers.entries()) files[`alertmanager ${i + 1}`] = a.logFile;
        for (const [k, v] of Object.entries(files)) if (!existsSync(v)) delete files[k];
        return files;
      },
      stop: stopAll,
    };
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
