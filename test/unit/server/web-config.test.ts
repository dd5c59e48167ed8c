import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { startServer } from '../../../src/server/http-server.js';
import { loadWebConfig, parseWebConfig } from '../../../src/server/web-config.js';
import { createWebGuard } from '../../../src/server/web-guard.js';

async function problems(source: string, dir = tmpdir()): Promise<string[]> {
  const result = await parseWebConfig(source, dir);
  assert.equal(result.ok, false, 'expected the web config to be refused');
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('web config file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'web-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('an empty file is valid and turns nothing on', async () => {
    const result = await parseWebConfig('', dir);
    assert.ok(result.ok);
    assert.equal(result.web.tls, undefined);
    assert.equal(result.web.users, undefined);
    assert.deepEqual(result.web.headers, {});
  });

  it('refuses unknown keys, as exporter-toolkit does', async () => {
    const lines = await problems('basic_auth_user:\n  a: b\n');
    assert.match(lines.join('\n'), /basic_auth_user/);
  });

  it('refuses a password that is not a bcrypt hash, naming the user', async () => {
    const lines = await problems('basic_auth_users:\n  prometheus: secret\n');
    assert.match(lines.join('\n'), /^basic_auth_users\.prometheus: expected a bcrypt hash/m);
  });

  it('accepts bcrypt hashes of every prefix', async () => {
    const hash = await bcrypt.hash('pw', 4);
    const body = hash.slice(4);
    const source = ['2a', '2b', '2y'].map((p, i) => `  u${i}: "$${p}$${body}"`).join('\n');
    const result = await parseWebConfig(`basic_auth_users:\n${source}\n`, dir);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.web.users?.size, 3);
  });

  it('needs a certificate and a key when TLS is configured', async () => {
    const lines = await problems('tls_server_config:\n  client_auth_type: RequireAnyClientCert\n');
    assert.ok(lines.includes('tls_server_config: missing one of cert or cert_file'), lines.join('\n'));
    assert.ok(lines.includes('tls_server_config: missing one of key or key_file'), lines.join('\n'));
  });

  it('refuses client CAs without a client auth policy, and a verifying policy without CAs', async () => {
    const base = 'tls_server_config:\n  cert_file: a.pem\n  key_file: b.pem\n';
    const noPolicy = await problems(`${base}  client_ca_file: ca.pem\n`);
    assert.match(noPolicy.join('\n'), /client_auth_type: client CAs are configured without a client auth policy/);
    const noCa = await problems(`${base}  client_auth_type: RequireAndVerifyClientCert\n`);
    assert.match(noCa.join('\n'), /client_ca_file: RequireAndVerifyClientCert verifies client certificates/);
  });

  it('refuses unknown versions, ciphers, curves and auth types, and min above max', async () => {
    const source = [
      'tls_server_config:',
      '  cert_file: a.pem',
      '  key_file: b.pem',
      '  client_auth_type: Sometimes',
      '  min_version: TLS13',
      '  max_version: TLS12',
      '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_FANCY]',
      '  curve_preferences: [CurveP256, Curve9]',
    ].join('\n');
    const text = (await problems(source)).join('\n');
    assert.match(text, /tls_server_config\.client_auth_type:/);
    assert.match(text, /tls_server_config\.cipher_suites\[1\]: unknown cipher/);
    assert.match(text, /tls_server_config\.curve_preferences\[1\]:/);
    const order = (
      await problems(source.replace('Sometimes', 'NoClientCert').replace(', TLS_FANCY', '').replace(', Curve9', ''))
    ).join('\n');
    assert.match(order, /tls_server_config\.min_version: min_version is above max_version/);
  });

  it('names a certificate file it cannot read, relative to the web config file', async () => {
    const file = join(dir, 'web.yml');
    await writeFile(file, 'tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n');
    const result = await loadWebConfig(file);
    assert.equal(result.ok, false);
    const text = result.ok ? '' : result.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    assert.ok(text.includes(`tls_server_config.cert_file: cannot read ${join(dir, 'missing.crt')}`), text);
  });

  it('refuses a certificate that is not PEM', async () => {
    await writeFile(join(dir, 'bad.crt'), 'not a certificate\n');
    await writeFile(join(dir, 'bad.key'), 'not a key\n');
    const lines = await problems('tls_server_config:\n  cert_file: bad.crt\n  key_file: bad.key\n', dir);
    assert.match(lines.join('\n'), /^tls_server_config: unusable certificate, key or CA/m);
  });

  it('allows only the headers exporter-toolkit allows, with their values', async () => {
    const ok = await parseWebConfig(
      'http_server_config:\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=3600\n',
      dir,
    );
    assert.ok(ok.ok);
    assert.equal(ok.web.headers['X-Frame-Options'], 'deny');
    const lines = await problems('http_server_config:\n  headers:\n    X-Frame-Options: allow\n    Server: me\n');
    const text = lines.join('\n');
    assert.match(text, /http_server_config\.headers\.X-Frame-Options: expected one of deny, sameorigin/);
    assert.match(text, /http_server_config\.headers\.Server: HTTP header "Server" can not be configured/);
  });

  it('reads the rate limit interval as a duration', async () => {
    const ok = await parseWebConfig('rate_limit:\n  burst: 5\n  interval: 200ms\n', dir);
    assert.ok(ok.ok);
    assert.deepEqual(ok.web.rateLimit, { burst: 5, intervalMs: 200 });
    const lines = await problems('rate_limit:\n  burst: 5\n  interval: soon\n');
    assert.match(lines.join('\n'), /rate_limit\.interval: expected a duration/);
  });

  it('the rate limit answers 429 beyond the burst and lets a request through once an interval has passed', async () => {
    const parsed = await parseWebConfig('rate_limit:\n  burst: 2\n  interval: 1s\n', dir);
    assert.ok(parsed.ok);
    let now = 0;
    const guard = createWebGuard({ web: parsed.web, now: () => now });
    const server = await startServer((_req, res) => res.end('ok'), '127.0.0.1:0', { guard });
    try {
      const status = async () => (await fetch(`http://${server.address}/metrics`)).status;
      assert.deepEqual([await status(), await status(), await status()], [200, 200, 429]);
      now += 999;
      assert.equal(await status(), 429);
      now += 1;
      assert.deepEqual([await status(), await status()], [200, 429]);
    } finally {
      await server.close();
    }
  });
});
