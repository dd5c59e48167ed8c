// The OCI image (deploy/Containerfile) built on a local Debian base with podman, then run the way a user runs it:
// the configuration and the state as mounts, a scrape, an alert from "Alertmanager", the healthcheck, SIGTERM.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { elapsed, freePort, waitFor } from '../e2e/harness/util.js';
import { buildServiceImage, podman, podmanExit, removeAll, runPrefix, ULIMITS } from './harness/podman.js';

const TOKEN = 'image-test-token';

interface ImageConfig {
  readonly User?: string;
  readonly Labels?: Record<string, string>;
  readonly Entrypoint?: string[];
  readonly Volumes?: Record<string, unknown>;
}

describe('OCI image', () => {
  let dir: string;
  let image: string;
  const prefix = runPrefix('image');
  const volume = `${prefix}-state`;
  const timings: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-image-'));
    const start = performance.now();
    image = await buildServiceImage();
    timings.push(`base and image build ${elapsed(start)} ms`);
  });
  after(async () => {
    process.stdout.write(`# ${timings.join(', ')}\n`);
    await removeAll({ containers: [prefix], volumes: [volume] });
    await rm(dir, { recursive: true, force: true });
  });

  it('is non-root, labelled, has a HEALTHCHECK and only the built service with production dependencies', async () => {
    const [inspected] = JSON.parse(await podman(['image', 'inspect', image])) as {
      Config: ImageConfig;
      Healthcheck?: { Test?: string[] };
      Size: number;
    }[];
    assert.ok(inspected);
    const config = inspected.Config;
    assert.equal(config.User, '65532:65532');
    assert.equal(config.Labels?.['org.opencontainers.image.title'], 'flink-guardian');
    assert.equal(config.Labels?.['org.opencontainers.image.licenses'], 'Apache-2.0');
    assert.match(config.Labels?.['org.opencontainers.image.version'] ?? '', /^\d+\.\d+\.\d+/);
    assert.deepEqual(inspected.Healthcheck?.Test, [
      'CMD',
      '/usr/local/bin/node',
      '/opt/flink-guardian/healthcheck.mjs',
    ]);
    assert.ok(config.Volumes && '/var/lib/flink-guardian' in config.Volumes);
    timings.push(`image size ${Math.round(inspected.Size / 1e6)} MB`);
    const listing = await podman([
      'run',
      '--rm',
      ...ULIMITS,
      '--entrypoint',
      '/bin/sh',
      image,
      '-c',
      'ls /opt/flink-guardian /opt/flink-guardian/dist /opt/flink-guardian/node_modules',
    ]);
    const names = listing.split(/\s+/);
    for (const present of ['bin', 'dist', 'node_modules', 'package.json', 'src', 'express', 'zod', 'bcryptjs']) {
      assert.ok(names.includes(present), `${present} missing from the image`);
    }
    // dist holds only the service (dist/src), and no dev dependency was installed.
    for (const absent of ['test', 'bench', 'typescript', '@biomejs', 'autocannon', 'tsconfig.json']) {
      assert.ok(!names.includes(absent), `${absent} must not be in the image`);
    }
  });

  it('runs with mounted config and state: scrape, alert, healthcheck, SIGTERM ends it with exit code 0', async () => {
    await writeFile(
      join(dir, 'config.yaml'),
      [
        'stateDir: /var/lib/flink-guardian',
        'clusters: [{ name: local, url: "http://127.0.0.1:1" }]',
        `webhook: { bearerToken: ${TOKEN} }`,
      ].join('\n'),
    );
    const port = await freePort();
    const start = performance.now();
    // mkdtemp made the folder for root alone: the service (uid 65532) must be able to read its config.
    await chmod(dir, 0o755);
    await podmanExit([
      'run',
      '-d',
      '--name',
      prefix,
      ...ULIMITS,
      '-p',
      `127.0.0.1:${port}:9813`,
      '-v',
      `${dir}:/etc/flink-guardian:ro`,
      '-v',
      `${volume}:/var/lib/flink-guardian`,
      image,
    ]).then((r) => assert.equal(r.code, 0, r.stderr));
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, 120_000, { what: 'readyz' });
    } catch (err) {
      const logs = await podmanExit(['logs', '--tail', '30', prefix]);
      throw new Error(`${String(err)}\ncontainer log:\n${logs.stdout}${logs.stderr}`);
    }
    timings.push(`container start to ready ${elapsed(start)} ms`);

    const scrape = await fetch(`${base}/metrics`);
    assert.equal(scrape.status, 200);
    const body = await scrape.text();
    assert.match(body, /^flink_guardian_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
    assert.match(body, /^flink_cluster_up\{cluster="local"\} 0$/m);

    const alert = {
      version: '4',
      status: 'firing',
      receiver: 'flink-guardian',
      groupKey: '{}:{cluster="local", job_name="orders"}',
      groupLabels: { cluster: 'local', job_name: 'orders' },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'FlinkJobFailed', cluster: 'local', job_name: 'orders', flink_recovery: 'auto' },
          annotations: {},
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: 'abc',
        },
      ],
    };
    const post = (auth?: string) =>
      fetch(`${base}/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth !== undefined ? { authorization: auth } : {}) },
        body: JSON.stringify(alert),
      });
    assert.equal((await post()).status, 401);
    const accepted = await post(`Bearer ${TOKEN}`);
    assert.equal(accepted.status, 200);
    assert.equal(((await accepted.json()) as { status: string }).status, 'accepted');
    const after = await (await fetch(`${base}/metrics`)).text();
    assert.match(after, /^flink_guardian_webhook_requests_total\{code="200"\} 1$/m);
    assert.match(after, /^flink_guardian_webhook_requests_total\{code="401"\} 1$/m);

    const health = await podmanExit(['healthcheck', 'run', prefix]);
    assert.equal(health.code, 0, health.stdout + health.stderr);

    const stopStart = performance.now();
    await podman(['stop', '-t', '30', prefix]);
    timings.push(`SIGTERM to exit ${elapsed(stopStart)} ms`);
    const [state] = JSON.parse(await podman(['inspect', prefix])) as { State: { ExitCode: number } }[];
    assert.equal(state?.State.ExitCode, 0);
    const logs = await podmanExit(['logs', prefix]);
    assert.match(logs.stdout + logs.stderr, /"signal":"SIGTERM".*"msg":"shutting down"/);
    assert.match(logs.stdout + logs.stderr, /"msg":"stopped"/);

    // The state volume outlives the container and belongs to the service's user, who writes there.
    const files = await podman([
      'run',
      '--rm',
      ...ULIMITS,
      '-v',
      `${volume}:/state`,
      '--entrypoint',
      '/bin/ls',
      image,
      '-ldn',
      '/state',
    ]);
    assert.match(files, / 65532 +65532 /);
  });
});
