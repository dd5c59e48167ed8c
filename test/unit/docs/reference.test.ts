/**
 * docs/reference.md and docs/benchmarks.md against the code: the generated sections must be what `npm run docs`
 * writes now, and the definitions they are generated from must agree with what the service really serves.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BENCHMARKS_DOC, benchmarksDoc, committedResults } from '../../../bench/docs.js';
import { USAGE } from '../../../src/cli/args.js';
import { configRows, fillSections, markers } from '../../../scripts/reference/render.js';
import { REFERENCE_FILE, referenceSections } from '../../../scripts/reference/sections.js';
import { closedSets, configSchema, exporterMetrics, httpRoutes } from '../../../scripts/reference/sources.js';

const GOLDEN_DIR = 'test/unit/exporter/golden';

/** Label names per family, as the golden expositions carry them (every sample of a family has the same). */
async function goldenLabels(): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const file of (await readdir(GOLDEN_DIR)).filter((f) => f.endsWith('.prom'))) {
    for (const line of (await readFile(join(GOLDEN_DIR, file), 'utf8')).split('\n')) {
      const match = /^([a-z_]+)(?:\{(.*)\})? /.exec(line);
      if (match === null || match[1] === undefined) continue;
      const names = [...(match[2] ?? '').matchAll(/([a-z_]+)="/g)].map((m) => m[1] as string);
      const key = `${match[1]}`;
      const seen = out.get(key) ?? new Set<string>();
      for (const name of names) seen.add(name);
      out.set(key, seen);
    }
  }
  return out;
}

describe('docs/reference.md', () => {
  it('holds exactly what npm run docs generates from the code (run `npm run docs` after changing it)', async () => {
    const text = await readFile(REFERENCE_FILE, 'utf8');
    const sections = await referenceSections();
    for (const [name, body] of Object.entries(sections)) {
      const filled = fillSections(text, { [name]: body });
      assert.equal(filled, text, `the generated "${name}" section of ${REFERENCE_FILE} is stale: run npm run docs`);
    }
  });

  it('describes every configuration key', () => {
    const undescribed = configRows(configSchema())
      .filter((row) => row.description === '')
      .map((row) => row.key);
    assert.deepEqual(undescribed, [], 'keys without .describe() in src/config/schema.ts');
  });

  it('gives every skip reason and attempt failure its meaning', async () => {
    const sets = await closedSets();
    for (const name of ['SKIP_REASONS', 'ATTEMPT_FAILURES']) {
      const set = sets.find((s) => s.name === name);
      assert.ok(set !== undefined, `${name} is read from the reasons file`);
      assert.ok(set.values.length > 0);
      const bare = set.values.filter((v) => v.meaning === '').map((v) => v.value);
      assert.deepEqual(bare, [], `${name} values without a comment saying what they mean`);
    }
  });

  it('lists every command and flag of the command line', async () => {
    const text = await readFile(REFERENCE_FILE, 'utf8');
    const words = [...USAGE.matchAll(/(?:flink-guardian [a-z-]+|--[a-z][a-z.-]*)/g)].map((m) => m[0]);
    assert.ok(words.includes('flink-guardian serve') && words.includes('--config'), 'the usage is read');
    assert.deepEqual(
      words.filter((w) => !text.includes(w)),
      [],
      `usage words ${REFERENCE_FILE} does not mention`,
    );
  });

  it('lists every route the HTTP server answers', async () => {
    const text = await readFile(REFERENCE_FILE, 'utf8');
    const routes = httpRoutes();
    assert.ok(
      routes.some((r) => r.method === 'POST' && r.path === '/alertmanager'),
      'the routes are found',
    );
    const missing = routes
      .map((r) => `\`${r.method} ${r.path.replace(/:([a-z_]+)/g, '{$1}')}\``)
      .filter((route) => !text.includes(route));
    assert.deepEqual(missing, [], `routes the HTTP API table of ${REFERENCE_FILE} does not list`);
  });

  it('lists the label names each exporter family really carries', async () => {
    const golden = await goldenLabels();
    for (const metric of exporterMetrics()) {
      const seen = golden.get(metric.name);
      assert.ok(seen !== undefined, `${metric.name} appears in no golden exposition`);
      assert.deepEqual([...seen].sort(), [...metric.labels].sort(), `labels of ${metric.name}`);
    }
  });
});

describe('generated sections', () => {
  it('replace only the text between their markers', () => {
    const doc = `intro\n${markers('a')}\nmiddle\n${markers('b')}\nend\n`;
    const once = fillSections(doc, { a: 'A1', b: 'B1' });
    assert.match(once, /^intro\n<!-- generated:a begin [^\n]*-->\nA1\n<!-- generated:a end -->\nmiddle\n/);
    assert.match(once, /\nB1\n<!-- generated:b end -->\nend\n$/);
    assert.equal(fillSections(fillSections(once, { a: 'A2' }), { a: 'A1' }), once);
  });

  it('refuse a document without the markers', () => {
    assert.throws(() => fillSections('no markers here', { metrics: 'x' }), /no markers for the generated "metrics"/);
  });

  it('walk nested objects and lists of objects into dotted keys', () => {
    const rows = configRows({
      type: 'object',
      required: ['a'],
      properties: {
        a: { type: 'array', items: { type: 'object', required: ['b'], properties: { b: { type: 'string' } } } },
        c: { type: 'integer', default: 3, minimum: 1, maximum: 9, description: 'see' },
      },
    });
    assert.deepEqual(
      rows.map((r) => [r.key, r.type, r.required, r.defaultValue]),
      [
        ['a', 'list of objects', true, ''],
        ['a[].b', 'string', true, ''],
        ['c', 'integer 1–9', false, '`3`'],
      ],
    );
  });
});

describe('docs/benchmarks.md', () => {
  it('is the one written from the committed results (run `npm run docs` after a bench run)', async () => {
    const { latest, limited } = committedResults('.');
    assert.equal(await readFile(BENCHMARKS_DOC, 'utf8'), benchmarksDoc(latest, limited));
  });
});
