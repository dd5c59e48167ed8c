/**
 * `--web.config.file`: the web configuration file of Prometheus exporters (exporter-toolkit's format), so that
 * flink-guardian is protected the way node_exporter is: TLS, client certificates, bcrypt basic auth, extra
 * headers and a rate limit, in front of every endpoint. Written here because exporter-toolkit is Go: the schema
 * follows its keys, defaults and refusals (unknown keys are errors there too).
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerOptions } from 'node:https';
import { dirname, isAbsolute, resolve } from 'node:path';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import { parseYaml } from '../config/yaml.js';
import { type ConfigIssue, errorMessage, zodIssues } from '../errors.js';

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
const TLS_ORDER = ['TLS10', 'TLS11', 'TLS12', 'TLS13'] as const;

/** Go's cipher suite names (what the file holds) and OpenSSL's names for the same suites (what Node takes). */
const CIPHERS: Readonly<Record<string, string>> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  // TLS 1.3 suites are listed by Go but not configurable there; they stay enabled here as well.
  TLS_AES_128_GCM_SHA256: '',
  TLS_AES_256_GCM_SHA384: '',
  TLS_CHACHA20_POLY1305_SHA256: '',
};

const CURVES = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' } as const;

/** Headers exporter-toolkit lets a web config set, with the values it allows (undefined: any value). */
const HEADERS: Readonly<Record<string, readonly string[] | undefined>> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

const CLIENT_AUTH = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'RequireClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;

const BCRYPT = /^\$2[aby]?\$(\d\d)\$[./A-Za-z0-9]{53}$/;

const text = z.string().min(1, { message: 'must not be empty' });

const tlsServerSchema = z
  .strictObject({
    cert: text.optional().describe('PEM certificate (chain), inline'),
    key: text.optional().describe('PEM private key, inline'),
    cert_file: text.optional(),
    key_file: text.optional(),
    client_ca: text.optional().describe('PEM of the CAs that sign client certificates, inline'),
    client_ca_file: text.optional(),
    client_auth_type: z.enum(CLIENT_AUTH).optional(),
    client_allowed_sans: z.array(z.string()).optional(),
    cipher_suites: z.array(z.string().refine((name) => name in CIPHERS, { message: 'unknown cipher' })).optional(),
    curve_preferences: z.array(z.enum(Object.keys(CURVES) as [keyof typeof CURVES])).optional(),
    min_version: z.enum(TLS_ORDER).default('TLS12'),
    max_version: z.enum(TLS_ORDER).default('TLS13'),
    prefer_server_cipher_suites: z.boolean().default(true),
  })
  .superRefine((t, ctx) => {
    if (t.cert === undefined && t.cert_file === undefined) {
      ctx.addIssue({ code: 'custom', message: 'missing one of cert or cert_file' });
    }
    if (t.key === undefined && t.key_file === undefined) {
      ctx.addIssue({ code: 'custom', message: 'missing one of key or key_file' });
    }
    const verifies = t.client_auth_type !== undefined && t.client_auth_type !== 'NoClientCert';
    if ((t.client_ca !== undefined || t.client_ca_file !== undefined) && !verifies) {
      ctx.addIssue({
        code: 'custom',
        path: ['client_auth_type'],
        message: 'client CAs are configured without a client auth policy (set client_auth_type)',
      });
    }
    const needsCa =
      t.client_auth_type === 'VerifyClientCertIfGiven' || t.client_auth_type === 'RequireAndVerifyClientCert';
    if (needsCa && t.client_ca === undefined && t.client_ca_file === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['client_ca_file'],
        message: `${t.client_auth_type} verifies client certificates: set client_ca_file (or client_ca)`,
      });
    }
    if (TLS_ORDER.indexOf(t.min_version) > TLS_ORDER.indexOf(t.max_version)) {
      ctx.addIssue({ code: 'custom', path: ['min_version'], message: 'min_version is above max_version' });
    }
  });

export const webConfigSchema = z.strictObject({
  tls_server_config: tlsServerSchema.optional(),
  http_server_config: z
    .strictObject({
      http2: z.boolean().default(true).describe('Accepted for compatibility; flink-guardian serves HTTP/1.1'),
      headers: z
        .record(z.string(), z.string())
        .default({})
        .superRefine((headers, ctx) => {
          for (const [name, value] of Object.entries(headers)) {
            if (!(name in HEADERS)) {
              ctx.addIssue({ code: 'custom', path: [name], message: `HTTP header "${name}" can not be configured` });
              continue;
            }
            const allowed = HEADERS[name];
            if (allowed !== undefined && !allowed.includes(value)) {
              ctx.addIssue({ code: 'custom', path: [name], message: `expected one of ${allowed.join(', ')}` });
            }
          }
        }),
    })
    .prefault({}),
  rate_limit: z
    .strictObject({
      burst: z.int().min(0),
      interval: z.string().refine((d) => parseDuration(d) !== undefined, {
        message: 'expected a duration such as 100ms, 1s',
      }),
    })
    .optional(),
  basic_auth_users: z
    .record(
      z.string().refine((user) => !user.includes(':'), { message: 'a user name cannot contain ":"' }),
      z.string().refine((hash) => BCRYPT.test(hash) && Number(BCRYPT.exec(hash)?.[1]) <= 31, {
        message: 'expected a bcrypt hash ($2y$10$…), e.g. from htpasswd -nbBC 10 USER PASSWORD',
      }),
    )
    .optional(),
});

export type WebConfigFile = z.infer<typeof webConfigSchema>;

/** How a client certificate is checked once the handshake is done (what OpenSSL's own check leaves open). */
export interface ClientCertPolicy {
  /** A connection without a client certificate is dropped. */
  readonly required: boolean;
  /** A presented certificate must chain to the client CAs. */
  readonly verified: boolean;
  /** When set, a presented certificate must carry one of these SANs (DNS, email, IP or URI). */
  readonly allowedSans?: readonly string[];
}

/** A loaded web configuration: what the server needs, every file read and checked. */
export interface WebConfig {
  readonly tls?: { readonly options: ServerOptions; readonly clientCert: ClientCertPolicy };
  readonly headers: Readonly<Record<string, string>>;
  /** User name to bcrypt hash; undefined when basic auth is off. */
  readonly users?: ReadonlyMap<string, string>;
  readonly rateLimit?: { readonly burst: number; readonly intervalMs: number };
}

export type WebConfigResult =
  | { readonly ok: true; readonly web: WebConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

async function readPem(
  file: string | undefined,
  inline: string | undefined,
  path: string,
  issues: ConfigIssue[],
): Promise<string | undefined> {
  if (file === undefined) return inline;
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    issues.push({ path, message: `cannot read ${file}: ${errorMessage(err)}` });
    return undefined;
  }
}

async function tlsOptions(
  t: NonNullable<WebConfigFile['tls_server_config']>,
  baseDir: string,
  issues: ConfigIssue[],
): Promise<NonNullable<WebConfig['tls']> | undefined> {
  const at = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(baseDir, p));
  const base = 'tls_server_config';
  const cert = await readPem(at(t.cert_file), t.cert, `${base}.cert_file`, issues);
  const key = await readPem(at(t.key_file), t.key, `${base}.key_file`, issues);
  const ca = await readPem(at(t.client_ca_file), t.client_ca, `${base}.client_ca_file`, issues);
  if (cert === undefined || key === undefined || issues.length > 0) return undefined;
  const auth = t.client_auth_type ?? 'NoClientCert';
  const ciphers = (t.cipher_suites ?? []).map((name) => CIPHERS[name]).filter((c) => c !== '' && c !== undefined);
  const options: ServerOptions = {
    cert,
    key,
    minVersion: TLS_VERSIONS[t.min_version],
    maxVersion: TLS_VERSIONS[t.max_version],
    honorCipherOrder: t.prefer_server_cipher_suites,
    requestCert: auth !== 'NoClientCert',
    // OpenSSL's own verification refuses the handshake only in the strictest mode; the others are checked after.
    rejectUnauthorized: auth === 'RequireAndVerifyClientCert',
    ...(ca !== undefined ? { ca } : {}),
    ...(ciphers.length > 0 ? { ciphers: ciphers.join(':') } : {}),
    ...(t.curve_preferences !== undefined && t.curve_preferences.length > 0
      ? { ecdhCurve: t.curve_preferences.map((c) => CURVES[c]).join(':') }
      : {}),
  };
  return {
    options,
    clientCert: {
      required:
        auth === 'RequireAnyClientCert' || auth === 'RequireClientCert' || auth === 'RequireAndVerifyClientCert',
      verified: auth === 'VerifyClientCertIfGiven' || auth === 'RequireAndVerifyClientCert',
      ...(t.client_allowed_sans !== undefined ? { allowedSans: t.client_allowed_sans } : {}),
    },
  };
}

/** Validates web configuration text; relative file names are relative to `baseDir` (the file's folder). */
export async function parseWebConfig(source: string, baseDir: string): Promise<WebConfigResult> {
  const doc = parseYaml(source);
  if (!doc.ok) return { ok: false, issues: [{ path: '', message: doc.message }] };
  const parsed = webConfigSchema.safeParse(doc.value ?? {});
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const file = parsed.data;
  const issues: ConfigIssue[] = [];
  const tls = file.tls_server_config ? await tlsOptions(file.tls_server_config, baseDir, issues) : undefined;
  if (tls !== undefined) {
    const { cert, key, ca } = tls.options;
    try {
      // Fails here, with the file named, rather than at the first handshake.
      createSecureContext({ cert, key, ...(ca !== undefined ? { ca } : {}) });
    } catch (err) {
      issues.push({ path: 'tls_server_config', message: `unusable certificate, key or CA: ${errorMessage(err)}` });
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  const rate = file.rate_limit;
  return {
    ok: true,
    web: {
      headers: file.http_server_config.headers,
      ...(tls !== undefined ? { tls } : {}),
      ...(file.basic_auth_users !== undefined && Object.keys(file.basic_auth_users).length > 0
        ? { users: new Map(Object.entries(file.basic_auth_users)) }
        : {}),
      ...(rate !== undefined
        ? { rateLimit: { burst: rate.burst, intervalMs: parseDuration(rate.interval) ?? 0 } }
        : {}),
    },
  };
}

/** Reads and validates a web configuration file. */
export async function loadWebConfig(file: string): Promise<WebConfigResult> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, issues: [{ path: '', message: `cannot read ${file}: ${errorMessage(err)}` }] };
  }
  return parseWebConfig(source, dirname(resolve(file)));
}

/** The SANs of a certificate as exporter-toolkit compares them: DNS names, emails, IPs and URIs. */
function certificateSans(raw: Buffer): string[] {
  const alt = new X509Certificate(raw).subjectAltName;
  if (alt === undefined) return [];
  const out: string[] = [];
  for (const entry of alt.split(', ')) {
    const match = /^(DNS|email|IP Address|URI):(.*)$/.exec(entry);
    if (match?.[2] !== undefined) out.push(match[2].replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/**
 * Why a finished handshake must be dropped under `policy`, or undefined when the client may go on. Node's TLS
 * accepts what OpenSSL accepts; the policies between "request" and "require and verify" are completed here.
 */
export function refuseClient(socket: TLSSocket, policy: ClientCertPolicy): string | undefined {
  const peer = socket.getPeerCertificate();
  const presented = peer !== null && typeof peer === 'object' && peer.raw !== undefined;
  if (!presented) return policy.required ? 'no client certificate' : undefined;
  if (policy.verified && !socket.authorized) {
    return `client certificate not trusted: ${String(socket.authorizationError ?? 'unknown')}`;
  }
  if (policy.allowedSans !== undefined) {
    const sans = certificateSans(peer.raw);
    if (!sans.some((san) => policy.allowedSans?.includes(san))) return 'client certificate has no allowed SAN';
  }
  return undefined;
}

/** The user and password of a Basic Authorization header, or undefined. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
