// The web configuration in front of the whole service (built by the wiring), over real TLS with certificates
// that openssl makes for the test: the scrape Prometheus would do, with and without what the file asks for.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/log.js';
import { loadWebConfig } from '../../../src/server/web-config.js';
import { buildService } from '../../../src/wiring.js';

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A certificate that the CA `ca` signs for `name`, with `san` in openssl's subjectAltName syntax. */
function issue(dir: string, ca: string, name: string, san: string): void {
  openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${name}`,
  );
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  );
}

function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
  );
}

/** What the test's client presents: the CA it trusts, a certificate for mTLS, the highest TLS version it speaks. */
interface ClientTls {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  readonly maxVersion?: 'TLSv1.2';
}

function get(
  address: string,
  path: string,
  tls: ClientTls,
  auth?: string,
  method = 'GET',
  body?: string,
): Promise<Answer> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port),
        path,
        method,
        ca: tls.ca,
        ...(tls.cert !== undefined ? { cert: tls.cert, key: tls.key } : {}),
        ...(tls.maxVersion !== undefined ? { maxVersion: tls.maxVersion } : {}),
        headers: {
          ...(auth !== undefined ? { authorization: auth } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The start of every web config here: TLS with the server certificate the test's CA signed for 127.0.0.1. */
const TLS = ['tls_server_config:', '  cert_file: server.crt', '  key_file: server.key'];

describe('--web.config.file in front of every endpoint', () => {
  let dir: string;
  let ca: string;
  let hash: string;
  /** A client trusting ca.crt and, given a name, presenting that certificate (`<name>.crt`, `<name>.key`). */
  let client: (name?: string) => Promise<ClientTls>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'web-tls-'));
    makeCa(dir, 'ca');
    makeCa(dir, 'other-ca');
    issue(dir, 'ca', 'server', 'IP:127.0.0.1');
    issue(dir, 'ca', 'prometheus', 'DNS:prometheus.monitoring');
    issue(dir, 'ca', 'stranger', 'DNS:stranger.example');
    issue(dir, 'other-ca', 'impostor', 'DNS:prometheus.monitoring');
    const pem = (name: string) => readFile(join(dir, name), 'utf8');
    ca = await pem('ca.crt');
    client = async (name) =>
      name === undefined ? { ca } : { ca, cert: await pem(`${name}.crt`), key: await pem(`${name}.key`) };
    hash = await bcrypt.hash('scrape-pw', 6);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Serves the whole service behind the web config `lines`, runs `body` against its address, stops it. */
  async function withService(lines: readonly string[], body: (address: string) => Promise<void>): Promise<void> {
    const file = join(dir, 'web.yml');
    await writeFile(file, lines.join('\n'));
    const web = await loadWebConfig(file);
    assert.ok(web.ok, JSON.stringify(web));
    const parsed = parseConfig(
      [
        'listen: 127.0.0.1:0',
        `stateDir: ${join(dir, `state-${Math.random().toString(36).slice(2)}`)}`,
        'clusters: [{ name: a, url: "http://127.0.0.1:1" }]',
        'webhook: { bearerToken: hook-token }',
      ].join('\n'),
      dir,
    );
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const service = await buildService(parsed.config, {
      logger: silentLogger(),
      clock: systemClock,
      version: 'test',
      clients: [],
      web: web.web,
    });
    try {
      await body(await service.start());
    } finally {
      await service.stop();
    }
  }

  it('mTLS and basic auth: the scrape with both succeeds, without either it fails', async () => {
    const web = [
      ...TLS,
      '  client_auth_type: RequireAndVerifyClientCert',
      '  client_ca_file: ca.crt',
      'http_server_config:',
      '  headers:',
      '    X-Content-Type-Options: nosniff',
      'basic_auth_users:',
      `  prometheus: "${hash}"`,
    ];
    await withService(web, async (address) => {
      const prometheus = await client('prometheus');
      const ok = await get(address, '/metrics', prometheus, basic('prometheus', 'scrape-pw'));
      assert.equal(ok.status, 200);
      assert.match(ok.body, /^flink_guardian_build_info\{version="test"\} 1$/m);
      assert.equal(ok.headers['x-content-type-options'], 'nosniff');

      // Twice more: the second check is answered from the cache, and must still tell a wrong password apart.
      assert.equal((await get(address, '/metrics', prometheus, basic('prometheus', 'scrape-pw'))).status, 200);
      const wrong = await get(address, '/metrics', prometheus, basic('prometheus', 'scrape-PW'));
      assert.equal(wrong.status, 401);
      assert.equal(wrong.headers['www-authenticate'], 'Basic');
      assert.equal((await get(address, '/metrics', prometheus, basic('nobody', 'scrape-pw'))).status, 401);
      assert.equal((await get(address, '/metrics', prometheus)).status, 401);
      // healthz and readyz are behind the same gate, as in exporter-toolkit.
      assert.equal((await get(address, '/healthz', prometheus)).status, 401);
      assert.equal((await get(address, '/healthz', prometheus, basic('prometheus', 'scrape-pw'))).status, 200);

      await assert.rejects(get(address, '/metrics', await client(), basic('prometheus', 'scrape-pw')));
      await assert.rejects(get(address, '/metrics', await client('impostor'), basic('prometheus', 'scrape-pw')));
    });
  });

  it('the webhook keeps its own credentials: Alertmanager sends one Authorization header', async () => {
    await withService([...TLS, 'basic_auth_users:', `  prometheus: "${hash}"`], async (address) => {
      const tls = await client();
      const alert = JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'flink-guardian',
        groupKey: '{}:{}',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://am',
        alerts: [],
      });
      const hooked = await get(address, '/alertmanager', tls, 'Bearer hook-token', 'POST', alert);
      assert.ok(hooked.status >= 200 && hooked.status < 300, `${hooked.status} ${hooked.body}`);
      const scraperOnHook = await get(address, '/alertmanager', tls, basic('prometheus', 'scrape-pw'), 'POST', alert);
      assert.equal(scraperOnHook.status, 401);
      assert.equal((await get(address, '/alertmanager', tls, undefined, 'POST', alert)).status, 401);
      assert.equal((await get(address, '/api/v1/recoveries', tls, 'Bearer hook-token')).status, 200);
      assert.equal((await get(address, '/metrics', tls)).status, 401);
    });
  });

  it('VerifyClientCertIfGiven lets a client without a certificate in and drops an untrusted one', async () => {
    const web = [...TLS, '  client_auth_type: VerifyClientCertIfGiven', '  client_ca_file: ca.crt'];
    await withService(web, async (address) => {
      assert.equal((await get(address, '/metrics', await client())).status, 200);
      assert.equal((await get(address, '/metrics', await client('prometheus'))).status, 200);
      await assert.rejects(get(address, '/metrics', await client('impostor')));
    });
  });

  it('client_allowed_sans drops a trusted certificate without an allowed SAN', async () => {
    const web = [
      ...TLS,
      '  client_auth_type: RequireAndVerifyClientCert',
      '  client_ca_file: ca.crt',
      '  client_allowed_sans: [prometheus.monitoring]',
    ];
    await withService(web, async (address) => {
      assert.equal((await get(address, '/metrics', await client('prometheus'))).status, 200);
      await assert.rejects(get(address, '/metrics', await client('stranger')));
    });
  });

  it('RequireAnyClientCert needs a certificate but not a trusted one', async () => {
    await withService([...TLS, '  client_auth_type: RequireAnyClientCert'], async (address) => {
      await assert.rejects(get(address, '/metrics', await client()));
      assert.equal((await get(address, '/metrics', await client('impostor'))).status, 200);
    });
  });

  it('min_version TLS13 refuses a TLS 1.2 client', async () => {
    await withService([...TLS, '  min_version: TLS13'], async (address) => {
      assert.equal((await get(address, '/healthz', await client())).status, 200);
      await assert.rejects(get(address, '/healthz', { ...(await client()), maxVersion: 'TLSv1.2' }));
    });
  });
});
