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
import { buildService, type Service } from '../../../src/wiring.js';

interface Pems {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

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

function get(address: string, path: string, pems: Pems, auth?: string, method = 'GET', body?: string): Promise<Answer> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port),
        path,
        method,
        ca: pems.ca,
        ...(pems.cert !== undefined ? { cert: pems.cert, key: pems.key } : {}),
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

describe('--web.config.file in front of every endpoint', () => {
  let dir: string;
  let pem: (name: string) => Promise<string>;
  let hash: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'web-tls-'));
    makeCa(dir, 'ca');
    makeCa(dir, 'other-ca');
    issue(dir, 'ca', 'server', 'IP:127.0.0.1');
    issue(dir, 'ca', 'prometheus', 'DNS:prometheus.monitoring');
    issue(dir, 'ca', 'stranger', 'DNS:stranger.example');
    issue(dir, 'other-ca', 'impostor', 'DNS:prometheus.monitoring');
    pem = (name) => readFile(join(dir, name), 'utf8');
    hash = await bcrypt.hash('scrape-pw', 6);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function serve(webYaml: string): Promise<{ service: Service; address: string }> {
    const file = join(dir, 'web.yml');
    await writeFile(file, webYaml);
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
    return { service, address: await service.start() };
  }

  it('mTLS and basic auth: the scrape with both succeeds, without either it fails', async () => {
    const { service, address } = await serve(
      [
        'tls_server_config:',
        '  cert_file: server.crt',
        '  key_file: server.key',
        '  client_auth_type: RequireAndVerifyClientCert',
        '  client_ca_file: ca.crt',
        'http_server_config:',
        '  headers:',
        '    X-Content-Type-Options: nosniff',
        'basic_auth_users:',
        `  prometheus: "${hash}"`,
      ].join('\n'),
    );
    try {
      const ca = await pem('ca.crt');
      const client = { ca, cert: await pem('prometheus.crt'), key: await pem('prometheus.key') };
      const ok = await get(address, '/metrics', client, basic('prometheus', 'scrape-pw'));
      assert.equal(ok.status, 200);
      assert.match(ok.body, /^flink_guardian_build_info\{version="test"\} 1$/m);
      assert.equal(ok.headers['x-content-type-options'], 'nosniff');

      // Twice more: the second check is answered from the cache, and must still tell a wrong password apart.
      assert.equal((await get(address, '/metrics', client, basic('prometheus', 'scrape-pw'))).status, 200);
      const wrong = await get(address, '/metrics', client, basic('prometheus', 'scrape-PW'));
      assert.equal(wrong.status, 401);
      assert.equal(wrong.headers['www-authenticate'], 'Basic');
      assert.equal((await get(address, '/metrics', client, basic('nobody', 'scrape-pw'))).status, 401);
      assert.equal((await get(address, '/metrics', client)).status, 401);
      // healthz and readyz are behind the same gate, as in exporter-toolkit.
      assert.equal((await get(address, '/healthz', client)).status, 401);
      assert.equal((await get(address, '/healthz', client, basic('prometheus', 'scrape-pw'))).status, 200);

      await assert.rejects(get(address, '/metrics', { ca }, basic('prometheus', 'scrape-pw')));
      const impostor = { ca, cert: await pem('impostor.crt'), key: await pem('impostor.key') };
      await assert.rejects(get(address, '/metrics', impostor, basic('prometheus', 'scrape-pw')));
    } finally {
      await service.stop();
    }
  });

  it('the webhook keeps its own credentials: Alertmanager sends one Authorization header', async () => {
    const { service, address } = await serve(
      [
        'tls_server_config:',
        '  cert_file: server.crt',
        '  key_file: server.key',
        'basic_auth_users:',
        `  prometheus: "${hash}"`,
      ].join('\n'),
    );
    try {
      const pems = { ca: await pem('ca.crt') };
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
      const hooked = await get(address, '/alertmanager', pems, 'Bearer hook-token', 'POST', alert);
      assert.ok(hooked.status >= 200 && hooked.status < 300, `${hooked.status} ${hooked.body}`);
      const scraperOnHook = await get(address, '/alertmanager', pems, basic('prometheus', 'scrape-pw'), 'POST', alert);
      assert.equal(scraperOnHook.status, 401);
      assert.equal((await get(address, '/alertmanager', pems, undefined, 'POST', alert)).status, 401);
      assert.equal((await get(address, '/api/v1/recoveries', pems, 'Bearer hook-token')).status, 200);
      assert.equal((await get(address, '/metrics', pems)).status, 401);
    } finally {
      await service.stop();
    }
  });

  it('VerifyClientCertIfGiven lets a client without a certificate in and drops an untrusted one', async () => {
    const { service, address } = await serve(
      [
        'tls_server_config:',
        '  cert_file: server.crt',
        '  key_file: server.key',
        '  client_auth_type: VerifyClientCertIfGiven',
        '  client_ca_file: ca.crt',
      ].join('\n'),
    );
    try {
      const ca = await pem('ca.crt');
      assert.equal((await get(address, '/metrics', { ca })).status, 200);
      assert.equal(
        (await get(address, '/metrics', { ca, cert: await pem('prometheus.crt'), key: await pem('prometheus.key') }))
          .status,
        200,
      );
      await assert.rejects(
        get(address, '/metrics', { ca, cert: await pem('impostor.crt'), key: await pem('impostor.key') }),
      );
    } finally {
      await service.stop();
    }
  });

  it('client_allowed_sans drops a trusted certificate without an allowed SAN', async () => {
    const { service, address } = await serve(
      [
        'tls_server_config:',
        '  cert_file: server.crt',
        '  key_file: server.key',
        '  client_auth_type: RequireAndVerifyClientCert',
        '  client_ca_file: ca.crt',
        '  client_allowed_sans: [prometheus.monitoring]',
      ].join('\n'),
    );
    try {
      const ca = await pem('ca.crt');
      const allowed = { ca, cert: await pem('prometheus.crt'), key: await pem('prometheus.key') };
      assert.equal((await get(address, '/metrics', allowed)).status, 200);
      await assert.rejects(
        get(address, '/metrics', { ca, cert: await pem('stranger.crt'), key: await pem('stranger.key') }),
      );
    } finally {
      await service.stop();
    }
  });

  it('RequireAnyClientCert needs a certificate but not a trusted one', async () => {
    const { service, address } = await serve(
      [
        'tls_server_config:',
        '  cert_file: server.crt',
        '  key_file: server.key',
        '  client_auth_type: RequireAnyClientCert',
      ].join('\n'),
    );
    try {
      const ca = await pem('ca.crt');
      await assert.rejects(get(address, '/metrics', { ca }));
      const impostor = { ca, cert: await pem('impostor.crt'), key: await pem('impostor.key') };
      assert.equal((await get(address, '/metrics', impostor)).status, 200);
    } finally {
      await service.stop();
    }
  });

  it('min_version TLS13 refuses a TLS 1.2 client', async () => {
    const { service, address } = await serve(
      ['tls_server_config:', '  cert_file: server.crt', '  key_file: server.key', '  min_version: TLS13'].join('\n'),
    );
    try {
      const ca = await pem('ca.crt');
      assert.equal((await get(address, '/healthz', { ca })).status, 200);
      const [host, port] = address.split(':');
      await assert.rejects(
        new Promise((resolve, reject) => {
          const req = request(
            { host, port: Number(port), path: '/healthz', ca, maxVersion: 'TLSv1.2', agent: false },
            resolve,
          );
          req.on('error', reject);
          req.end();
        }),
      );
    } finally {
      await service.stop();
    }
  });
});
