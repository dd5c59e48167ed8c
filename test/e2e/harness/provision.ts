import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { elapsed, repoRoot } from './util.js';

const run = promisify(execFile);

/** `test/e2e/flink-dist/versions`: one `<flink version> <log4j version>` per line, shared with the CI script. */
function versionTable(): Map<string, string> {
  const text = readFileSync(join(repoRoot(), 'test', 'e2e', 'flink-dist', 'versions'), 'utf8');
  const table = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [flink, log4j] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (flink !== undefined && flink !== '' && log4j !== undefined) table.set(flink, log4j);
  }
  return table;
}

/** The Flink versions the suite runs against: 1.20 (LTS) and the newest 2.x on Maven Central. */
export function defaultFlinkVersions(): string[] {
  return [...versionTable().keys()];
}

/** Versions to test: `FLINK_E2E_VERSIONS` (comma separated) or {@link defaultFlinkVersions}. */
export function flinkVersions(): string[] {
  const fromEnv = process.env.FLINK_E2E_VERSIONS?.split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return fromEnv !== undefined && fromEnv.length > 0 ? fromEnv : defaultFlinkVersions();
}

/** 1.x or 2.x, which decides a few command-line and config differences. */
export function flinkMajor(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '0', 10);
}

/** The log4j release a Flink version was built with (both lines bind slf4j 1.7 through log4j-slf4j-impl). */
function log4jVersion(version: string): string {
  return versionTable().get(version) ?? (flinkMajor(version) >= 2 ? '2.25.3' : '2.24.3');
}

export interface FlinkDistribution {
  readonly version: string;
  /** Folder with every jar of the cluster's classpath. */
  readonly libDir: string;
  /** The test job (test/flink-job) built against this version. */
  readonly jobJar: string;
  /** True when something was downloaded or built now, false when all came from the cache. */
  readonly fresh: boolean;
  readonly millis: number;
}

/** Cache root: `FLINK_E2E_CACHE` or `test/e2e/.cache` in the repository (gitignored). */
export function cacheRoot(): string {
  return process.env.FLINK_E2E_CACHE ?? join(repoRoot(), 'test', 'e2e', '.cache');
}

function mvnCommand(): { command: string; baseArgs: string[] } {
  // FLINK_E2E_MVN_ARGS lets CI add e.g. "-o" or "-Dmaven.repo.local=..." without touching the harness.
  const extra = process.env.FLINK_E2E_MVN_ARGS?.split(' ').filter((a) => a !== '') ?? [];
  return { command: process.env.FLINK_E2E_MVN ?? 'mvn', baseArgs: ['-q', '-B', ...extra] };
}

async function mvn(args: string[]): Promise<void> {
  const { command, baseArgs } = mvnCommand();
  try {
    await run(command, [...baseArgs, ...args], { cwd: repoRoot(), maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, {
      cause: error,
    });
  }
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Assembles lib/ for `version` from Maven Central unless it is cached; true if it did work. */
async function provisionLib(version: string, libDir: string): Promise<boolean> {
  if (existsSync(libDir)) return false;
  const staging = `${libDir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  await mvn([
    '-f',
    join(repoRoot(), 'test', 'e2e', 'flink-dist', 'pom.xml'),
    `-Dflink.version=${version}`,
    `-Dlog4j.version=${log4jVersion(version)}`,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${staging}`,
  ]);
  // The rename is the commit point: a half-copied lib/ never looks complete, and a concurrent provisioner
  // (CI script and test) just loses the race.
  try {
    renameSync(staging, libDir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(libDir)) throw error;
  }
  return true;
}

/** Builds the test job against `version` unless the jar is newer than its sources; true if it built. */
async function provisionJob(version: string, jobDir: string): Promise<boolean> {
  const project = join(repoRoot(), 'test', 'flink-job');
  const jar = join(jobDir, 'flink-guardian-test-job.jar');
  const sourcesChanged = Math.max(newestMtime(join(project, 'src')), newestMtime(join(project, 'pom.xml')));
  if (existsSync(jar) && statSync(jar).mtimeMs >= sourcesChanged) return false;
  await mvn(['-f', join(project, 'pom.xml'), `-Dflink.version=${version}`, `-Djob.buildDir=${jobDir}`, 'package']);
  if (!existsSync(jar)) throw new Error(`test job build produced no ${jar}`);
  return true;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Makes a Flink `version` runnable from Maven Central jars and builds the test job for it, caching both under
 * {@link cacheRoot}: `flink-<version>/lib` and `flink-<version>/job/flink-guardian-test-job.jar`. A warm call only
 * checks file times. Calls in one process run one after the other (one Maven at a time on the local repository).
 */
export function provisionFlink(version: string): Promise<FlinkDistribution> {
  const work = queue
    .catch(() => undefined)
    .then(async (): Promise<FlinkDistribution> => {
      const start = performance.now();
      const base = join(cacheRoot(), `flink-${version}`);
      mkdirSync(base, { recursive: true });
      const libDir = join(base, 'lib');
      const jobDir = join(base, 'job');
      const libFresh = await provisionLib(version, libDir);
      const jobFresh = await provisionJob(version, jobDir);
      return {
        version,
        libDir,
        jobJar: join(jobDir, 'flink-guardian-test-job.jar'),
        fresh: libFresh || jobFresh,
        millis: elapsed(start),
      };
    });
  queue = work;
  return work;
}
