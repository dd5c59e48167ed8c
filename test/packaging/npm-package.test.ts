// The npm package as a user gets it: `npm pack`, the tarball installed in an empty folder (its dependencies
// only, no dev dependencies), then the installed command checks a configuration and serves.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { spawnManaged, tailLog } from '../e2e/harness/process.js';
import { elapsed, freePort, repoRoot, waitFor } from '../e2e/harness/util.js';

const run = promisify(execFile);

interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function exitOf(command: string, args: readonly string[], cwd: string): Promise<Exit> {
  try {
    const { stdout, stderr } = await run(command, [...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('npm package from its tarball', () => {
  let dir: string;
  let app: string;
  let tarball: string;
  let files: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-npm-'));
    app = join(dir, 'app');
    await mkdir(app);
    const start = performance.now();
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: repoRoot(),
      maxBuffer: 16 * 1024 * 1024,
    });
    const info = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const first = info[0];
    assert.ok(first !== undefined);
    tarball = join(dir, first.filename);
    files = first.files.map((f) => f.path);
    process.stdout.write(`# npm pack (prepack build included): ${elapsed(start)} ms\n`);
    const installStart = performance.now();
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], {
      cwd: app,
    });
    process.stdout.write(`# npm install of the tarball: ${elapsed(installStart)} ms\n`);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('ships the built service and nothing of the sources, tests or benchmarks', () => {
    assert.ok(files.includes('bin/flink-guardian.js'));
    assert.ok(files.includes('dist/src/cli/main.js'));
    assert.ok(files.includes('dist/src/server/web-config.js'));
    const stray = files.filter((f) => /^(src|test|bench|scripts)\/|^dist\/(test|bench|scripts)\/|\.ts$|\.map$/.test(f));
    assert.deepEqual(stray, []);
  });

  it('npx flink-guardian check-config accepts a good configuration and names what is wrong in a bad one', async () => {
    await writeFile(
      join(app, 'config.yaml'),
      [
        'listen: 127.0.0.1:9813',
        'stateDir: ./state',
        'clusters: [{ name: local, url: "http://127.0.0.1:1" }]',
        'webhook: { bearerToken: t0ken }',
      ].join('\n'),
    );
    await writeFile(join(app, 'web.yml'), 'basic_auth_users:\n  prometheus: plain-text\n');
    const version = await exitOf('npx', ['--no-install', 'flink-guardian', '--version'], app);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^flink-guardian \d+\.\d+\.\d+/);
    const good = await exitOf(
      'npx',
      ['--no-install', 'flink-guardian', 'check-config', '--config', 'config.yaml'],
      app,
    );
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /config\.yaml: OK \(1 cluster, 0 jobs\)/);
    const bad = await exitOf(
      'npx',
      ['--no-install', 'flink-guardian', 'check-config', '--config', 'config.yaml', '--web.config.file', 'web.yml'],
      app,
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /basic_auth_users\.prometheus: expected a bcrypt hash/);

    // TLS in both files: one of them would be silently ignored, so it is refused.
    await run(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'].concat([
        '-subj',
        '/CN=localhost',
        '-keyout',
        'tls.key',
        '-out',
        'tls.crt',
      ]),
      { cwd: app },
    );
    await writeFile(join(app, 'web-tls.yml'), 'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n');
    const webOnly = await exitOf(
      'npx',
      ['--no-install', 'flink-guardian', 'check-config', '--config', 'config.yaml', '--web.config.file', 'web-tls.yml'],
      app,
    );
    assert.equal(webOnly.code, 0, webOnly.stderr);
    await writeFile(
      join(app, 'config-tls.yaml'),
      `${await readFile(join(app, 'config.yaml'), 'utf8')}\ntls: { certFile: tls.crt, keyFile: tls.key }\n`,
    );
    const both = await exitOf(
      'npx',
      [
        '--no-install',
        'flink-guardian',
        'check-config',
        '--config',
        'config-tls.yaml',
        '--web.config.file',
        'web-tls.yml',
      ],
      app,
    );
    assert.equal(both.code, 1);
    assert.match(both.stderr, /tls_server_config: the configuration file sets tls as well/);
  });

  it('the installed command serves /metrics and stops on SIGTERM with exit code 0', async () => {
    const port = await freePort();
    const proc = spawnManaged({
      name: 'flink-guardian',
      command: join(app, 'node_modules', '.bin', 'flink-guardian'),
      args: ['serve', '--config', 'config.yaml', '--listen', `127.0.0.1:${port}`],
      cwd: app,
      logFile: join(dir, 'serve.log'),
    });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 30_000, {
        what: `readyz of the installed service (log: ${join(dir, 'serve.log')})`,
      });
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      const body = await res.text();
      assert.match(body, /^flink_guardian_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
      assert.match(body, /^flink_cluster_up\{cluster="local"\} 0$/m);
      const start = performance.now();
      process.kill(proc.pid, 'SIGTERM');
      // The child is unref'd by the harness: the wait polls so that the event loop stays up meanwhile.
      await waitFor(() => !proc.running(), 30_000, { what: 'the service to exit after SIGTERM' });
      assert.equal(await proc.exited, 0, tailLog(join(dir, 'serve.log')));
      process.stdout.write(`# stop after SIGTERM: ${elapsed(start)} ms\n`);
      assert.match(tailLog(join(dir, 'serve.log')), /"msg":"stopped"/);
    } finally {
      await proc.kill();
    }
  });
});
