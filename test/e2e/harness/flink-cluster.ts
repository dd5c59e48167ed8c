import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnManaged, tailLog, type ManagedProcess } from './process.js';
import { clusterOverview } from './flink-rest.js';
import { flinkMajor, provisionFlink } from './provision.js';
import { freePort, waitFor } from './util.js';

/** What Flink's default configuration puts in `env.java.opts.all` for Java 17. */
export const JAVA17_OPENS: readonly string[] = [
  '--add-exports=java.base/sun.net.util=ALL-UNNAMED',
  '--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED',
  '--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/java.net=ALL-UNNAMED',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens=java.base/java.text=ALL-UNNAMED',
  '--add-opens=java.base/java.time=ALL-UNNAMED',
  '--add-opens=java.base/java.util=ALL-UNNAMED',
  '--add-opens=java.base/java.util.concurrent=ALL-UNNAMED',
  '--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED',
  '--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED',
];

export interface FlinkClusterOptions {
  /** Flink version, e.g. "1.20.5" or "2.3.0"; provisioned (cached) on demand. */
  readonly version: string;
  /** Run folder (config, logs, checkpoints, uploads); a fresh temporary folder by default. */
  readonly dir?: string;
  /** Task slots of the one TaskManager (default 2). */
  readonly slots?: number;
  /** fixed-delay restart attempts (default 1); 0 means `restart-strategy.type: none`. */
  readonly restartAttempts?: number;
  /** fixed-delay restart delay (default "1 s"). */
  readonly restartDelay?: string;
  /** More config.yaml entries; they override the generated ones. */
  readonly config?: Readonly<Record<string, string | number | boolean>>;
  /** Milliseconds to wait for the REST API and the TaskManager (default 120 000). */
  readonly startTimeoutMs?: number;
}

export interface FlinkCluster {
  readonly version: string;
  readonly restUrl: string;
  readonly dir: string;
  readonly confDir: string;
  readonly logsDir: string;
  /** `execution.checkpointing.dir` as a plain path; checkpoints land in `<checkpointDir>/<jobid>/chk-N`. */
  readonly checkpointDir: string;
  readonly savepointDir: string;
  /** `web.upload.dir`: uploaded jars survive a JobManager restart. */
  readonly uploadDir: string;
  readonly libDir: string;
  readonly jobJar: string;
  /** The generated config.yaml entries. */
  readonly config: Readonly<Record<string, string>>;
  /** Milliseconds from spawning the JobManager to REST up with the TaskManager registered. */
  readonly startMillis: number;
  /** SIGKILL the TaskManager JVM; resolves once it has exited. */
  killTaskManager(): Promise<void>;
  /** Start a TaskManager (after a kill); resolves once it is registered with its slots. */
  startTaskManager(): Promise<void>;
  /** SIGKILL the JobManager JVM; resolves once it has exited. */
  killJobManager(): Promise<void>;
  /**
   * Start the JobManager again on the same ports, no HA: it knows no jobs. Resolves when REST answers and a running
   * TaskManager re-registered.
   */
  startJobManager(): Promise<void>;
  /** Stop both JVMs (SIGTERM, then SIGKILL); `removeDir` deletes the run folder (keep it when a test failed). */
  stop(options?: { readonly removeDir?: boolean }): Promise<void>;
}

function log4jProperties(): string {
  return [
    'monitorInterval = 0',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.main.ref = MainAppender',
    'appender.main.name = MainAppender',
    'appender.main.type = File',
    'appender.main.append = true',
    'appender.main.fileName = ${sys:log.file}',
    'appender.main.layout.type = PatternLayout',
    'appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n',
    'logger.netty.name = org.apache.flink.shaded.netty4.io.netty.channel.DefaultChannelPipeline',
    'logger.netty.level = OFF',
    '',
  ].join('\n');
}

function yamlValue(value: string): string {
  return /^[A-Za-z0-9_./:@+-][A-Za-z0-9 _./:@+-]*$/.test(value) && !/:\s/.test(value) ? value : JSON.stringify(value);
}

/** Starts a Flink session cluster: one JobManager JVM and one TaskManager JVM, separate processes, 127.0.0.1 only. */
export async function startFlinkCluster(options: FlinkClusterOptions): Promise<FlinkCluster> {
  const dist = await provisionFlink(options.version);
  const major = flinkMajor(options.version);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `flink-guardian-e2e-${options.version}-`));
  const confDir = join(dir, 'conf');
  const logsDir = join(dir, 'logs');
  const checkpointDir = join(dir, 'checkpoints');
  const savepointDir = join(dir, 'savepoints');
  const uploadDir = join(dir, 'uploads');
  for (const d of [confDir, logsDir, checkpointDir, savepointDir, uploadDir, join(dir, 'tmp')]) {
    mkdirSync(d, { recursive: true });
  }
  const slots = options.slots ?? 2;
  const attempts = options.restartAttempts ?? 1;
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const [restPort, rpcPort, blobPort, tmRpcPort, tmDataPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);

  // The same keys work on 1.20 and 2.x: 1.20 already has the execution.checkpointing.* names that 2.x keeps.
  const config: Record<string, string> = {
    'jobmanager.rpc.address': '127.0.0.1',
    'jobmanager.rpc.port': String(rpcPort),
    'jobmanager.bind-host': '127.0.0.1',
    'jobmanager.memory.heap.size': '256m',
    'jobmanager.memory.off-heap.size': '64m',
    'jobmanager.memory.jvm-metaspace.size': '192m',
    'rest.address': '127.0.0.1',
    'rest.bind-address': '127.0.0.1',
    'rest.port': String(restPort),
    'blob.server.port': String(blobPort),
    'taskmanager.host': '127.0.0.1',
    'taskmanager.bind-host': '127.0.0.1',
    'taskmanager.rpc.port': String(tmRpcPort),
    'taskmanager.data.port': String(tmDataPort),
    'taskmanager.numberOfTaskSlots': String(slots),
    // TaskManagerRunner needs the resource split explicit (the distribution's scripts compute it).
    'taskmanager.cpu.cores': String(slots),
    'taskmanager.memory.framework.heap.size': '128m',
    'taskmanager.memory.task.heap.size': '256m',
    'taskmanager.memory.framework.off-heap.size': '128m',
    'taskmanager.memory.task.off-heap.size': '0m',
    'taskmanager.memory.network.min': '64m',
    'taskmanager.memory.network.max': '64m',
    'taskmanager.memory.managed.size': '64m',
    'taskmanager.memory.jvm-metaspace.size': '192m',
    'taskmanager.memory.jvm-overhead.min': '192m',
    'taskmanager.memory.jvm-overhead.max': '192m',
    'parallelism.default': '1',
    'state.backend.type': 'hashmap',
    'execution.checkpointing.storage': 'filesystem',
    'execution.checkpointing.dir': `file://${checkpointDir}`,
    'execution.checkpointing.savepoint-dir': `file://${savepointDir}`,
    'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
    'execution.checkpointing.num-retained': '3',
    'restart-strategy.type': attempts > 0 ? 'fixed-delay' : 'none',
    ...(attempts > 0
      ? {
          'restart-strategy.fixed-delay.attempts': String(attempts),
          'restart-strategy.fixed-delay.delay': options.restartDelay ?? '1 s',
        }
      : {}),
    'web.upload.dir': uploadDir,
    'web.tmpdir': join(dir, 'tmp'),
    'io.tmp.dirs': join(dir, 'tmp'),
    // Plain numbers: milliseconds for 1.20's long-typed options, and a valid Duration for 2.x.
    'heartbeat.interval': '2000',
    'heartbeat.timeout': '10000',
    'cluster.registration.max-timeout': '5000',
    'cluster.registration.error-delay': '2000',
  };
  for (const [key, value] of Object.entries(options.config ?? {})) config[key] = String(value);
  const yaml = Object.entries(config)
    .map(([k, v]) => `${k}: ${yamlValue(v)}`)
    .join('\n');
  // config.yaml is read by both lines (1.20 only falls back to it when there is no flink-conf.yaml).
  writeFileSync(join(confDir, 'config.yaml'), `${yaml}\n`);
  writeFileSync(join(confDir, 'log4j.properties'), log4jProperties());

  const classpath = `${dist.libDir}/*`;
  const commonJvm = [
    ...JAVA17_OPENS,
    '-XX:+UseSerialGC',
    `-Dlog4j.configurationFile=file:${join(confDir, 'log4j.properties')}`,
  ];
  const restUrl = `http://127.0.0.1:${restPort}`;

  let jobManager: ManagedProcess | undefined;
  let taskManager: ManagedProcess | undefined;
  let tmStarts = 0;

  const spawnJobManager = (): ManagedProcess =>
    spawnManaged({
      name: `flink-${options.version}-jobmanager`,
      command: 'java',
      args: [
        '-Xms256m',
        '-Xmx256m',
        '-XX:MaxMetaspaceSize=192m',
        ...commonJvm,
        `-Dlog.file=${join(logsDir, 'jobmanager.log')}`,
        '-cp',
        classpath,
        'org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint',
        '--configDir',
        confDir,
        ...(major < 2 ? ['--executionMode', 'cluster'] : []),
      ],
      logFile: join(logsDir, 'jobmanager.out'),
      cwd: dir,
    });

  const spawnTaskManager = (): ManagedProcess => {
    tmStarts += 1;
    return spawnManaged({
      name: `flink-${options.version}-taskmanager`,
      command: 'java',
      args: [
        '-Xms384m',
        '-Xmx384m', // framework heap + task heap
        '-XX:MaxDirectMemorySize=192m', // framework off-heap + task off-heap + network
        '-XX:MaxMetaspaceSize=192m',
        ...commonJvm,
        `-Dlog.file=${join(logsDir, 'taskmanager.log')}`,
        '-cp',
        classpath,
        'org.apache.flink.runtime.taskexecutor.TaskManagerRunner',
        '--configDir',
        confDir,
        // A new resource id per start, so a test can tell the new TaskManager from the one the JobManager
        // still lists until its heartbeat times out.
        '-D',
        `taskmanager.resource-id=tm-${tmStarts}`,
        // A TaskManager that comes back on the RPC address of one that was killed can be refused for good: the
        // JobManager's Pekko keeps the dead incarnation's association and discards the new one's messages
        // ("in read-only association", seen on 2.3.0). Later starts take new ports, like a rescheduled pod.
        ...(tmStarts > 1 ? ['-D', 'taskmanager.rpc.port=0', '-D', 'taskmanager.data.port=0'] : []),
      ],
      logFile: join(logsDir, 'taskmanager.out'),
      cwd: dir,
    });
  };

  const failIfDead = (p: ManagedProcess | undefined): void => {
    if (p !== undefined && !p.running()) {
      throw new Error(`${p.name} exited during startup; see ${logsDir}\n${tailLog(p.logFile)}`);
    }
  };

  const waitForRest = async (): Promise<void> => {
    await waitFor(
      async () => {
        failIfDead(jobManager);
        await clusterOverview(restUrl);
        return true;
      },
      timeoutMs,
      { what: `Flink ${options.version} REST at ${restUrl}`, intervalMs: 200 },
    );
  };

  const waitForTaskManager = async (resourceId: string): Promise<void> => {
    await waitFor(
      async () => {
        failIfDead(jobManager);
        failIfDead(taskManager);
        const response = await fetch(`${restUrl}/taskmanagers`, { signal: AbortSignal.timeout(5000) });
        if (!response.ok) return false;
        const body = (await response.json()) as { taskmanagers: { id: string; slotsNumber: number }[] };
        return body.taskmanagers.some((tm) => tm.id === resourceId);
      },
      timeoutMs,
      { what: `TaskManager ${resourceId} to register with Flink ${options.version}`, intervalMs: 200 },
    );
  };

  const stopAll = async (): Promise<void> => {
    await Promise.all([taskManager?.stop(5000), jobManager?.stop(5000)]);
  };

  const start = performance.now();
  try {
    jobManager = spawnJobManager();
    taskManager = spawnTaskManager();
    await waitForRest();
    await waitForTaskManager(`tm-${tmStarts}`);
  } catch (error) {
    await stopAll();
    throw error;
  }
  const startMillis = Math.round(performance.now() - start);

  return {
    version: options.version,
    restUrl,
    dir,
    confDir,
    logsDir,
    checkpointDir,
    savepointDir,
    uploadDir,
    libDir: dist.libDir,
    jobJar: dist.jobJar,
    config,
    startMillis,
    async killTaskManager() {
      await taskManager?.kill();
    },
    async startTaskManager() {
      if (taskManager?.running() === true) throw new Error('the TaskManager is still running');
      taskManager = spawnTaskManager();
      await waitForTaskManager(`tm-${tmStarts}`);
    },
    async killJobManager() {
      await jobManager?.kill();
    },
    async startJobManager() {
      if (jobManager?.running() === true) throw new Error('the JobManager is still running');
      jobManager = spawnJobManager();
      await waitForRest();
      if (taskManager?.running() === true) await waitForTaskManager(`tm-${tmStarts}`);
    },
    async stop(stopOptions = {}) {
      await stopAll();
      if (stopOptions.removeDir === true) rmSync(dir, { recursive: true, force: true });
    },
  };
}
