/**
 * Every configuration problem `serve` would trip over fails `check-config` and `serve` alike: exit 1, a line
 * naming the path in the file, no stack trace. Runs the built command as a user does.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { stringify } from 'yaml';

const BIN = 'bin/flink-guardian.js';

function run(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    // A serve that started after all would run until killed: the test fails on the code, not on a hang.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

describe('configuration problems: check-config and serve agree', () => {
  let dir: string;
  let jar: string;
  let a: { cert: string; key: string };
  let b: { cert: string; key: string };
  let notPem: string;
  let stateFile: string;

  const base = (): Record<string, unknown> => ({
    listen: '127.0.0.1:0',
    stateDir: join(dir, 'state'),
    clusters: [{ name: 'prod', url: 'http://127.0.0.1:1' }],
    webhook: { bearerToken: 'secret-token' },
    jobs: [{ cluster: 'prod', name: 'orders', jar }],
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'guardian-config-'));
    jar = join(dir, 'orders.jar');
    await writeFile(jar, 'PK');
    a = selfSigned(dir, 'a');
    b = selfSigned(dir, 'b');
    notPem = join(dir, 'not.pem');
    await writeFile(notPem, 'hello\n');
    stateFile = join(dir, 'state-is-a-file');
    await writeFile(stateFile, 'x');
    await mkdir(join(dir, 'state'));
  });

  it('accepts the base configuration', async () => {
    const file = join(dir, 'ok.yaml');
    await writeFile(file, stringify(base()));
    const result = await run(['check-config', '--config', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /OK \(1 cluster, 1 job\)/);
  });

  type Change = (c: Record<string, unknown>) => void;
  const cluster = (c: Record<string, unknown>): Record<string, unknown> =>
    (c.clusters as Record<string, unknown>[])[0] as Record<string, unknown>;
  const problems: [string, Change, RegExp][] = [
    ['port out of range', (c) => void (c.listen = '127.0.0.1:99999'), /listen: the port must be 0 to 65535/],
    [
      'missing TLS certificate',
      (c) => void (c.tls = { certFile: join(dir, 'missing.crt'), keyFile: a.key }),
      /tls\.certFile: cannot read .*missing\.crt/,
    ],
    ['TLS key not PEM', (c) => void (c.tls = { certFile: a.cert, keyFile: notPem }), /tls\.keyFile: .* not a PEM/],
    [
      'TLS certificate not PEM',
      (c) => void (c.tls = { certFile: notPem, keyFile: a.key }),
      /tls\.certFile: .* not a PEM/,
    ],
    [
      'TLS pair that does not match',
      (c) => void (c.tls = { certFile: a.cert, keyFile: b.key }),
      /tls\.keyFile: .* is not the key of the certificate/,
    ],
    [
      'missing caFile',
      (c) => void (cluster(c).tls = { caFile: join(dir, 'missing-ca.pem') }),
      /clusters\[0\]\.tls\.caFile: cannot read/,
    ],
    ['stateDir that is a file', (c) => void (c.stateDir = stateFile), /stateDir: .* is not a directory/],
    [
      'stateDir below a file',
      (c) => void (c.stateDir = join(stateFile, 'sub')),
      /stateDir: .*state-is-a-file is not a directory/,
    ],
    [
      'missing jar',
      (c) =>
        void (((c.jobs as Record<string, unknown>[])[0] as Record<string, unknown>).jar = join(dir, 'missing.jar')),
      /jobs\[0\]\.jar: cannot read .*missing\.jar/,
    ],
    [
      'verifyTimeout 0s',
      (c) => void (c.recovery = { verifyTimeout: '0s' }),
      /recovery\.verifyTimeout: must be at least/,
    ],
    ['cooldown 30d', (c) => void (c.recovery = { cooldown: '30d' }), /recovery\.cooldown: must be at most/],
    ['requestTimeout 1ms', (c) => void (cluster(c).requestTimeout = '1ms'), /clusters\[0\]\.requestTimeout: must be/],
    ['requestTimeout 0s', (c) => void (cluster(c).requestTimeout = '0s'), /clusters\[0\]\.requestTimeout: must be/],
    [
      'notify URL with credentials',
      (c) => void (c.recovery = { notify: { alertmanagerUrls: ['http://admin:pw@127.0.0.1:9093'] } }),
      /recovery\.notify\.alertmanagerUrls\[0\]: credentials in the URL are not allowed/,
    ],
    [
      'URL credentials beside basicAuth',
      (c) => {
        cluster(c).url = 'http://flink:pw@127.0.0.1:1';
        cluster(c).basicAuth = { username: 'other', password: 'x' };
      },
      /clusters\[0\]\.url: credentials in the URL and bearerToken or basicAuth/,
    ],
    ['maxResponseBytes too small', (c) => void (cluster(c).maxResponseBytes = 10), /clusters\[0\]\.maxResponseBytes/],
  ];
  for (const [title, change, expected] of problems) {
    it(title, async () => {
      const config = base();
      change(config);
      const file = join(dir, `${title.replace(/\W+/g, '-')}.yaml`);
      await writeFile(file, stringify(config));
      for (const command of ['check-config', 'serve']) {
        const result = await run([command, '--config', file]);
        assert.equal(result.code, 1, `${command}: ${result.stderr}`);
        assert.match(result.stderr, expected, command);
        assert.doesNotMatch(result.stderr, /\n\s+at /, `${command} printed a stack trace`);
      }
    });
  }
});
