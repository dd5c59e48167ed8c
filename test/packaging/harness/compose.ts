// The compose stack (deploy/compose/) on local images: Flink from the jars the e2e harness provisions from Maven
// Central, ZooKeeper, Prometheus and Alertmanager from Debian packages, all on the debootstrap base, and
// podman-compose (a pinned release that .ci/run installs in a venv) to run it.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { JAVA17_OPENS } from '../../e2e/harness/flink-cluster.js';
import { provisionFlink } from '../../e2e/harness/provision.js';
import { repoRoot } from '../../e2e/harness/util.js';
import { type Exit, exec } from './exec.js';
import { BUILD, baseImage, podman, podmanEnv } from './podman.js';

/** The podman-compose release .ci/run installs (in `~/.cache/flink-guardian/podman-compose-<version>`). */
export const PODMAN_COMPOSE_VERSION = '1.6.0';

/** `FLINK_GUARDIAN_PODMAN_COMPOSE`, else the pinned venv, else `podman-compose` on PATH. */
export function podmanComposeCommand(): string {
  if (process.env.FLINK_GUARDIAN_PODMAN_COMPOSE !== undefined) return process.env.FLINK_GUARDIAN_PODMAN_COMPOSE;
  const venv = join(homedir(), '.cache', 'flink-guardian', `podman-compose-${PODMAN_COMPOSE_VERSION}`);
  const pinned = join(venv, 'bin', 'podman-compose');
  return existsSync(pinned) ? pinned : 'podman-compose';
}

export const COMPOSE_FILE = (): string => join(repoRoot(), 'deploy', 'compose', 'compose.yaml');

/** One compose project: every command names the project, the file and the env file that substitutes the images. */
export class ComposeProject {
  constructor(
    readonly project: string,
    readonly envFile: string,
  ) {}

  private args(args: readonly string[]): string[] {
    return ['--project-name', this.project, '--env-file', this.envFile, '-f', COMPOSE_FILE(), ...args];
  }

  /** Runs podman-compose and returns how it ended (podman runs with runc and the bounded ulimits). */
  run(args: readonly string[], timeoutMs = 10 * 60_000): Promise<Exit> {
    return exec(podmanComposeCommand(), this.args(args), { env: podmanEnv(), timeoutMs });
  }

  async runOk(args: readonly string[], timeoutMs = 10 * 60_000): Promise<string> {
    const result = await this.run(args, timeoutMs);
    if (result.code !== 0) {
      const output = `${result.stderr.slice(-4000)}${result.stdout.slice(-2000)}`;
      throw new Error(`podman-compose ${args.join(' ')} exited ${result.code}\n${output}`);
    }
    return result.stdout;
  }

  /** The last lines each service logged, for a failure report. */
  async logs(services: readonly string[], lines = 60): Promise<string> {
    const parts: string[] = [];
    for (const service of services) {
      const out = await this.run(['logs', '--tail', String(lines), service], 60_000);
      parts.push(`--- ${service} (exit ${out.code}) ---\n${out.stdout}${out.stderr}`);
    }
    return parts.join('\n');
  }
}

export interface ComposeImages {
  readonly flink: string;
  readonly zookeeper: string;
  readonly prometheus: string;
  readonly alertmanager: string;
  /** The Flink version of the image and of the sample job's jar. */
  readonly flinkVersion: string;
  /** The test job (test/flink-job) built against that version. */
  readonly sampleJobJar: string;
}

const TARGETS = ['flink', 'zookeeper', 'prometheus', 'alertmanager'] as const;

/**
 * Builds the four stand-ins of test/packaging/harness/compose-images/Containerfile. Podman caches the layers (the
 * apt installs and the Flink jars), so a build with nothing changed costs seconds; the base and the Flink jars are
 * cached by base-image.sh and the e2e provisioning.
 */
export async function buildComposeImages(flinkVersion: string): Promise<ComposeImages> {
  const base = await baseImage('node');
  const dist = await provisionFlink(flinkVersion);
  const context = mkdtempSync(join(tmpdir(), 'fg-compose-images-'));
  try {
    const here = join(repoRoot(), 'test', 'packaging', 'harness', 'compose-images');
    cpSync(join(here, 'Containerfile'), join(context, 'Containerfile'));
    cpSync(join(here, 'flink-entrypoint.sh'), join(context, 'flink-entrypoint.sh'));
    cpSync(dist.libDir, join(context, 'lib'), { recursive: true });
    const tags: Record<string, string> = {};
    for (const target of TARGETS) {
      const tag = `localhost/flink-guardian-compose-${target}:${target === 'flink' ? flinkVersion : 'bookworm'}`;
      await podman(
        [
          ...BUILD,
          '--build-arg',
          `BASE_IMAGE=${base}`,
          '--build-arg',
          `FLINK_JVM_OPTS=${JAVA17_OPENS.join(' ')}`,
          '--target',
          target,
          '-t',
          tag,
          context,
        ],
        30 * 60_000,
      );
      tags[target] = tag;
    }
    return {
      flink: tags.flink ?? '',
      zookeeper: tags.zookeeper ?? '',
      prometheus: tags.prometheus ?? '',
      alertmanager: tags.alertmanager ?? '',
      flinkVersion,
      sampleJobJar: dist.jobJar,
    };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** Removes what a project left behind when `down -v` could not: its pod, containers, volumes and networks. */
export async function removeProjectLeftovers(project: string): Promise<void> {
  const names = async (kind: 'volume' | 'network'): Promise<string[]> =>
    (await podman([kind, 'ls', '--format', '{{.Name}}']).catch(() => ''))
      .split('\n')
      .filter((n) => n.startsWith(`${project}_`));
  const containers = (await podman(['ps', '-a', '--format', '{{.Names}}']).catch(() => ''))
    .split('\n')
    .filter((n) => n.startsWith(`${project}_`));
  await podman(['pod', 'rm', '-f', '-t', '5', `pod_${project}`]).catch(() => '');
  for (const c of containers) await podman(['rm', '-f', '-t', '5', c]).catch(() => '');
  for (const v of await names('volume')) await podman(['volume', 'rm', '-f', v]).catch(() => '');
  for (const n of await names('network')) await podman(['network', 'rm', '-f', n]).catch(() => '');
}
