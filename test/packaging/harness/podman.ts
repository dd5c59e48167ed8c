// Podman as CI runs it: root, runc (crun fails on these machines' cgroup setup), bounded ulimits. Every
// container, pod, volume and network a test creates carries its run's prefix and is removed by that name.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Exit, exec, execOk } from './exec.js';
import { repoRoot } from '../../e2e/harness/util.js';

export const RUNTIME = ['--runtime', 'runc'] as const;
export const ULIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=4096:4096'] as const;
/** `podman build` as every image here is built: HEALTHCHECK kept (docker format), the host's network for apt/npm. */
export const BUILD = ['build', ...ULIMITS, '--format', 'docker', '--network', 'host'] as const;

/** A name prefix unique to this run, so that cleanup touches only what this run created. */
export function runPrefix(what: string): string {
  return `fg-${what}-${randomBytes(4).toString('hex')}`;
}

let conf: string | undefined;

/**
 * Podman's environment: a containers.conf with the same limits for the containers that no flag reaches (the pod's
 * infra container of `kube play`); podman's default asks for more open files than these machines allow.
 */
export function podmanEnv(): NodeJS.ProcessEnv {
  if (conf === undefined) {
    conf = join(mkdtempSync(join(tmpdir(), 'fg-podman-')), 'containers.conf');
    writeFileSync(
      conf,
      ['[containers]', 'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]', '[engine]', 'runtime = "runc"']
        .join('\n')
        .concat('\n'),
    );
  }
  return { ...process.env, CONTAINERS_CONF: conf };
}

/** Runs podman; throws with its output when it fails. */
export function podman(args: readonly string[], timeoutMs?: number): Promise<string> {
  return execOk('podman', [...RUNTIME, ...args], { env: podmanEnv(), ...(timeoutMs ? { timeoutMs } : {}) });
}

/** Runs podman and returns how it ended. */
export function podmanExit(args: readonly string[]): Promise<Exit> {
  return exec('podman', [...RUNTIME, ...args], { env: podmanEnv() });
}

/** Removes containers, pods, volumes and networks by the names given; missing ones are fine. */
export async function removeAll(names: {
  containers?: readonly string[];
  pods?: readonly string[];
  volumes?: readonly string[];
  networks?: readonly string[];
}): Promise<void> {
  for (const pod of names.pods ?? []) await podmanExit(['pod', 'rm', '-f', '-t', '5', pod]);
  for (const c of names.containers ?? []) await podmanExit(['rm', '-f', '-t', '5', c]);
  for (const v of names.volumes ?? []) await podmanExit(['volume', 'rm', '-f', v]);
  for (const n of names.networks ?? []) await podmanExit(['network', 'rm', '-f', n]);
}

/** The local Debian base (test/packaging/base-image.sh), built from the apt mirror when not cached. */
export async function baseImage(kind: 'node'): Promise<string> {
  const script = join(repoRoot(), 'test', 'packaging', 'base-image.sh');
  return (await execOk(script, [kind], { timeoutMs: 30 * 60_000 })).trim();
}

export const SERVICE_IMAGE = 'localhost/flink-guardian:packaging-test';

/**
 * Builds deploy/Containerfile on the local base. Layers are cached by podman, so a second build in the same run
 * (another test file) costs seconds. The host's CA bundle goes in as the build secret npm uses.
 */
export async function buildServiceImage(): Promise<string> {
  const base = await baseImage('node');
  const ca = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
  await podman(
    [
      ...BUILD,
      '--build-arg',
      `BASE_IMAGE=${base}`,
      '--secret',
      `id=npm_ca,src=${ca}`,
      '-f',
      join(repoRoot(), 'deploy', 'Containerfile'),
      '-t',
      SERVICE_IMAGE,
      join(repoRoot()),
    ],
    30 * 60_000,
  );
  return SERVICE_IMAGE;
}
