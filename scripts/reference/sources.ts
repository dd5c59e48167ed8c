/**
 * Where the generated parts of docs/reference.md come from: the code's own definitions, read through this one
 * file so that a module that moves is repointed here and nowhere else. Metric families are read from the
 * registries the real service builds, so the reference lists what `/metrics` serves.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client';
import ts from 'typescript';
import { parse } from 'yaml';
import { systemClock } from '../../src/clock.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { webhookSchema } from '../../src/config/schema.js';
import { parseConfig } from '../../src/config/load.js';
import { EXPORTER_METRICS, type ExporterMetric } from '../../src/exporter/metric-defs.js';
import { silentLogger } from '../../src/log.js';
import { RecoveryMetrics } from '../../src/recovery/report/metrics.js';
import * as reasons from '../../src/recovery/model/reasons.js';
import { createApp } from '../../src/server/app.js';
import { createWebhookRouter, type RecoveriesPort } from '../../src/webhook/router.js';
import { buildService } from '../../src/wiring.js';

/** The folder of the Prometheus rule files that ship with flink-guardian. */
export const RULES_DIR = 'prometheus/rules';

/** The source file of the recoverer's closed sets, read for the comment beside each value. */
export const REASONS_FILE = 'src/recovery/model/reasons.ts';

export interface MetricDoc {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
  readonly help: string;
}

export interface MetricGroups {
  readonly exporter: readonly MetricDoc[];
  readonly recoverer: readonly MetricDoc[];
  readonly service: readonly MetricDoc[];
}

/** A closed set of reasons.ts: its doc comment, and each value with the comment beside it. */
export interface ClosedSetDoc {
  readonly name: string;
  readonly doc: string;
  readonly values: readonly { readonly value: string; readonly meaning: string }[];
}

/** One alerting rule as shipped: the labels routes match on and the wait before it fires. */
export interface AlertDoc {
  readonly alert: string;
  readonly file: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Every alerting rule of the shipped rule files, in file order. */
export async function alertRules(): Promise<AlertDoc[]> {
  const out: AlertDoc[] = [];
  for (const file of (await readdir(RULES_DIR)).filter((f) => f.endsWith('.yml')).sort()) {
    const doc = parse(await readFile(join(RULES_DIR, file), 'utf8')) as {
      groups?: { rules?: { alert?: string; for?: string; labels?: Record<string, string> }[] }[];
    };
    for (const group of doc.groups ?? []) {
      for (const rule of group.rules ?? []) {
        if (rule.alert === undefined) continue;
        out.push({ alert: rule.alert, file: `${RULES_DIR}/${file}`, for: rule.for ?? '0s', labels: rule.labels ?? {} });
      }
    }
  }
  return out;
}

/** The exporter's families, as metric-defs.ts declares them. */
export function exporterMetrics(): MetricDoc[] {
  return (Object.keys(EXPORTER_METRICS) as ExporterMetric[]).map((name) => {
    const def = EXPORTER_METRICS[name];
    return { name, type: def.type, labels: def.labels, help: def.help };
  });
}

/** Label names of a registered metric: prom-client's declared ones, else those its series carry. */
function labelNames(metric: unknown, json: MetricObjectWithValues<MetricValue<string>>): string[] {
  const declared = (metric as { labelNames?: readonly string[] }).labelNames;
  if (declared !== undefined && declared.length > 0) return [...declared];
  const seen = new Set<string>();
  for (const value of json.values) for (const key of Object.keys(value.labels)) if (key !== 'le') seen.add(key);
  return [...seen];
}

async function documented(registry: Registry, keep: (name: string) => boolean): Promise<MetricDoc[]> {
  const out: MetricDoc[] = [];
  for (const json of await registry.getMetricsAsJSON()) {
    if (!keep(json.name)) continue;
    const metric = registry.getSingleMetric(json.name);
    out.push({ name: json.name, type: String(json.type), labels: labelNames(metric, json), help: json.help });
  }
  return out;
}

/** The recoverer's families, with every series of one catalog job created. */
async function recovererMetrics(): Promise<MetricDoc[]> {
  const registry = new Registry();
  new RecoveryMetrics(registry).precreate(['c'], [{ cluster: 'c', name: 'j' }]);
  return documented(registry, () => true);
}

/** The service's own flink_* families, from the registry the real wiring builds (process_* and nodejs_* aside). */
async function serviceMetrics(): Promise<MetricDoc[]> {
  const dir = await mkdtemp(join(tmpdir(), 'flink-guardian-reference-'));
  try {
    const text = 'clusters: [{name: c, url: "http://127.0.0.1:1"}]\nwebhook: {bearerToken: t}\nstateDir: state\n';
    const parsed = parseConfig(text, dir, {});
    if (!parsed.ok) throw new Error(`reference configuration: ${JSON.stringify(parsed.issues)}`);
    const service = await buildService(parsed.config, { logger: silentLogger(), clock: systemClock, version: '0' });
    try {
      return await documented(service.registry, (name) => name.startsWith('flink_'));
    } finally {
      await service.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every metric family flink-guardian serves, by the part that serves it. */
export async function metricGroups(): Promise<MetricGroups> {
  return { exporter: exporterMetrics(), recoverer: await recovererMetrics(), service: await serviceMetrics() };
}

/** The JSON Schema of the configuration file (the zod schema's, as published in config.schema.json). */
export function configSchema(): Record<string, unknown> {
  return configJsonSchema();
}

/** The skip reasons created at 0 for every catalog job. */
export const precreatedSkipReasons: readonly string[] = reasons.CATALOG_SKIP_REASONS;

/** The text of a comment, without its markers. */
function commentText(text: string): string {
  return text
    .replace(/^\/\*\*?|\*\/$/g, '')
    .split('\n')
    .map((line) => line.replace(/^\s*(?:\*|\/\/)\s?/, '').trim())
    .join(' ')
    .trim();
}

/**
 * Every exported `const X = [...] as const` of reasons.ts, in file order: values from the module itself, the
 * meaning of each from the line comment beside it in the source (the file keeps them there, next to the value).
 */
export async function closedSets(): Promise<ClosedSetDoc[]> {
  const source = await readFile(REASONS_FILE, 'utf8');
  const file = ts.createSourceFile(REASONS_FILE, source, ts.ScriptTarget.Latest, true);
  const modules = reasons as unknown as Record<string, unknown>;
  const out: ClosedSetDoc[] = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const decl of statement.declarationList.declarations) {
      const name = decl.name.getText(file);
      const value = modules[name];
      const init = decl.initializer;
      if (!Array.isArray(value) || init === undefined || !ts.isAsExpression(init)) continue;
      if (!ts.isArrayLiteralExpression(init.expression)) continue;
      const meanings = new Map<string, string>();
      for (const element of init.expression.elements) {
        if (!ts.isStringLiteral(element)) continue;
        // The meaning is the line comment that follows the value on its own line.
        const end = element.getEnd();
        const after = source.slice(end, source.indexOf('\n', end));
        const match = /\/\/(.*)$/.exec(after);
        meanings.set(element.text, match?.[1]?.trim() ?? '');
      }
      const jsDoc = ts.getJSDocCommentsAndTags(decl).map((d) => commentText(d.getText(file)));
      const leading = ts.getLeadingCommentRanges(source, statement.getFullStart()) ?? [];
      const doc = jsDoc[0] ?? commentText(leading.map((r) => source.slice(r.pos, r.end)).join('\n'));
      out.push({
        name,
        doc,
        values: (value as string[]).map((v) => ({ value: v, meaning: meanings.get(v) ?? '' })),
      });
    }
  }
  return out;
}

/** A route the HTTP server answers, as express holds it (`:param` for path parameters). */
export interface RouteDoc {
  readonly method: string;
  readonly path: string;
}

interface Layer {
  readonly route?: { readonly path: string; readonly methods: Readonly<Record<string, boolean>> };
  readonly handle?: { readonly stack?: readonly Layer[] };
}

function routesOf(stack: readonly Layer[]): RouteDoc[] {
  return stack.flatMap((layer) => {
    if (layer.route !== undefined) {
      const { path, methods } = layer.route;
      return Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path }));
    }
    return layer.handle?.stack === undefined ? [] : routesOf(layer.handle.stack);
  });
}

/** Every route of the HTTP server, built as src/wiring.ts builds it (the app and the webhook router). */
export function httpRoutes(): RouteDoc[] {
  const logger = silentLogger();
  // The routes are only listed, never called, so the recoverer behind them is never asked anything.
  const recoverer = {} as RecoveriesPort;
  const router = createWebhookRouter({
    config: webhookSchema.parse({ bearerToken: 'unused' }),
    recoverer,
    registry: new Registry(),
    logger,
  });
  const app = createApp({
    scrape: { collect: async () => [] },
    ownMetrics: async () => '',
    routers: [router],
    isReady: () => true,
    logger,
  });
  // Express 5 keeps its routes in app.router.stack; its type declarations do not describe that field.
  return routesOf((app as unknown as { router: { stack: readonly Layer[] } }).router.stack);
}
