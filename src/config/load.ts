/** Reads, expands and validates a configuration file; reports every problem at once with its path. */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, type ConfigIssue, errorMessage, formatPath, zodIssues } from '../errors.js';
import { checkServeNeeds } from './check.js';
import { expandString, type Environment } from './env.js';
import { configSchema, type Config } from './schema.js';
import { parseYaml } from './yaml.js';

export type ConfigResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Replaces `${VAR}` in every string of a parsed document, collecting unset variables as issues. */
function expandTree(node: unknown, env: Environment, path: PropertyKey[], issues: ConfigIssue[]): unknown {
  if (typeof node === 'string') {
    const { value, missing } = expandString(node, env);
    for (const name of missing) {
      issues.push({
        path: formatPath(path),
        message: `environment variable ${name} is not set (use \${${name}:-default} for a default)`,
      });
    }
    return value;
  }
  if (Array.isArray(node)) return node.map((item, i) => expandTree(item, env, [...path, i], issues));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, expandTree(value, env, [...path, key], issues)]),
    );
  }
  return node;
}

/** Top-level values given on the command line; they replace the file's before validation. */
export type ConfigOverrides = Readonly<Partial<Record<'listen' | 'logLevel', string>>>;

/** Validates configuration text; `baseDir` anchors relative paths (stateDir, jars, CA files). */
export function parseConfig(
  text: string,
  baseDir: string,
  env: Environment = process.env,
  overrides: ConfigOverrides = {},
): ConfigResult {
  const doc = parseYaml(text);
  if (!doc.ok) return { ok: false, issues: [{ path: '', message: doc.message }] };
  const issues: ConfigIssue[] = [];
  const expanded = expandTree(doc.value ?? {}, env, [], issues);
  const merged = typeof expanded === 'object' && expanded !== null ? { ...expanded, ...overrides } : expanded;
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) issues.push(...zodIssues(parsed.error));
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  return { ok: true, config: resolvePaths(parsed.data, baseDir) };
}

/** Reads and validates a configuration file. */
export async function loadConfig(
  file: string,
  env: Environment = process.env,
  overrides: ConfigOverrides = {},
): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, issues: [{ path: '', message: `cannot read ${file}: ${errorMessage(err)}` }] };
  }
  return parseConfig(text, dirname(resolve(file)), env, overrides);
}

function resolvePaths(config: Config, baseDir: string): Config {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...config,
    stateDir: at(config.stateDir),
    ...(config.tls ? { tls: { certFile: at(config.tls.certFile), keyFile: at(config.tls.keyFile) } } : {}),
    clusters: config.clusters.map((c) => ({
      ...c,
      ...(c.tls?.caFile !== undefined ? { tls: { ...c.tls, caFile: at(c.tls.caFile) } } : {}),
      ...(c.checkpointDir !== undefined ? { checkpointDir: at(c.checkpointDir.replace(/^file:\/\//, '')) } : {}),
    })),
    jobs: config.jobs.map((j) => ({ ...j, jar: at(j.jar) })),
  };
}

/**
 * Reads a configuration file and checks what `serve` needs (files, directories, ports); throws ConfigError
 * listing every problem. `check-config` and `serve` both go through here, so they accept the same files.
 */
export async function readServeConfig(
  file: string,
  env: Environment = process.env,
  overrides: ConfigOverrides = {},
): Promise<Config> {
  const result = await loadConfig(file, env, overrides);
  if (!result.ok) throw new ConfigError(file, result.issues);
  const issues = await checkServeNeeds(result.config);
  if (issues.length > 0) throw new ConfigError(file, issues);
  return result.config;
}
