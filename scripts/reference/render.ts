/**
 * Renders the generated sections of docs/reference.md from the code's definitions (sources.ts) and puts them
 * between their markers. Pure: text in, text out; write-reference.ts and the docs test share it.
 */
import type { AlertDoc, ClosedSetDoc, MetricDoc } from './sources.js';

/** A table cell: pipes escaped, line breaks flattened. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

const code = (text: string): string => `\`${text}\``;

/** A metric table: name, type, labels, and the help text the exposition carries. */
export function metricTable(metrics: readonly MetricDoc[]): string {
  const rows = [...metrics]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((m) => `| ${code(m.name)} | ${m.type} | ${m.labels.map(code).join(', ')} | ${cell(m.help)} |`);
  return ['| name | type | labels | help |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The alert table: name, the labels routes match on, `for:`, the rule file and the runbook section. */
export function alertTable(alerts: readonly AlertDoc[]): string {
  const rows = alerts.map((a) => {
    const labels = Object.entries(a.labels)
      .map(([k, v]) => code(`${k}="${v}"`))
      .join(', ');
    const runbook = `[runbook](runbook.md#${a.alert.toLowerCase()})`;
    return `| ${code(a.alert)} | ${labels} | ${a.for} | [${a.file.split('/').pop()}](../${a.file}) | ${runbook} |`;
  });
  return ['| alert | labels | for | rule file | what to do |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How a value of the schema is written in the file. */
function typeText(s: Json): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => code(String(v))).join(' \\| ');
  if (s.type === 'string' && typeof s.pattern === 'string' && s.pattern.includes('ms|s|m|h')) return 'duration';
  if (s.type === 'string' && s.format === 'uri') return 'URL';
  if (s.type === 'integer' || s.type === 'number') {
    // zod writes the safe-integer bound of z.int() as the maximum; it is no limit a reader needs.
    const bounded = typeof s.maximum === 'number' && s.maximum < Number.MAX_SAFE_INTEGER;
    const range =
      typeof s.minimum === 'number' && bounded
        ? ` ${s.minimum}–${s.maximum}`
        : typeof s.minimum === 'number'
          ? ` ≥ ${s.minimum}`
          : '';
    return `${s.type}${range}`;
  }
  if (s.type === 'array') {
    const items = isObject(s.items) ? s.items : {};
    return items.type === 'object' ? 'list of objects' : `list of ${typeText(items)}s`;
  }
  if (s.type === 'object' && s.properties === undefined) return 'map of strings';
  return String(s.type ?? 'any');
}

function defaultText(s: Json): string {
  if (!('default' in s)) return '';
  const d = s.default;
  if (isObject(d) && Object.keys(d).length === 0) return '';
  return code(typeof d === 'string' ? d : JSON.stringify(d));
}

interface ConfigRow {
  readonly key: string;
  readonly type: string;
  readonly required: boolean;
  readonly defaultValue: string;
  readonly description: string;
}

/** Every key of the configuration file, depth first in schema order; `[]` marks the items of a list. */
export function configRows(schema: Json, prefix = ''): ConfigRow[] {
  const rows: ConfigRow[] = [];
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  for (const [key, value] of Object.entries(properties)) {
    if (!isObject(value)) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const nested = value.type === 'object' && isObject(value.properties);
    const items = value.type === 'array' && isObject(value.items) && value.items.type === 'object';
    rows.push({
      key: path,
      type: nested ? 'object' : typeText(value),
      required: required.includes(key) && !('default' in value),
      defaultValue: defaultText(value),
      description: typeof value.description === 'string' ? value.description : '',
    });
    if (nested) rows.push(...configRows(value, path));
    if (items) rows.push(...configRows(value.items as Json, `${path}[]`));
  }
  return rows;
}

/** The configuration table, from the JSON Schema the zod schema generates. */
export function configTable(schema: Json): string {
  const rows = configRows(schema).map(
    (r) => `| ${code(r.key)} | ${r.type} | ${r.required ? 'required' : r.defaultValue} | ${cell(r.description)} |`,
  );
  return ['| key | type | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Each closed set of the recoverer: what it is for, then its values and what each means. */
export function reasonsText(sets: readonly ClosedSetDoc[], precreated: readonly string[]): string {
  const parts: string[] = [];
  for (const set of sets) {
    parts.push(`**${code(set.name)}**: ${cell(set.doc)}`, '');
    if (set.values.every((v) => v.meaning === '')) {
      parts.push(set.values.map((v) => code(v.value)).join(', '), '');
      continue;
    }
    const skips = set.name === 'SKIP_REASONS';
    parts.push(
      skips ? '| value | meaning | created at 0 for catalog jobs |' : '| value | meaning |',
      skips ? '| --- | --- | --- |' : '| --- | --- |',
      ...set.values.map((v) => {
        const created = skips ? ` ${precreated.includes(v.value) ? 'yes' : 'no'} |` : '';
        return `| ${code(v.value)} | ${cell(v.meaning)} |${created}`;
      }),
      '',
    );
  }
  return parts.join('\n').trimEnd();
}

/** The sections of docs/reference.md that are generated, by marker name. */
export interface Sections {
  readonly [name: string]: string;
}

const begin = (name: string) => `<!-- generated:${name} begin (npm run docs; do not edit by hand) -->`;
const end = (name: string) => `<!-- generated:${name} end -->`;

/** Replaces the text between each section's markers; a marker pair missing from the document is an error. */
export function fillSections(document: string, sections: Sections): string {
  let out = document;
  for (const [name, body] of Object.entries(sections)) {
    const from = out.indexOf(begin(name));
    const to = out.indexOf(end(name));
    if (from < 0 || to < from) throw new Error(`docs/reference.md has no markers for the generated "${name}" section`);
    out = `${out.slice(0, from + begin(name).length)}\n${body}\n${out.slice(to)}`;
  }
  return out;
}

/** An empty marker pair, to place in a document once by hand. */
export function markers(name: string): string {
  return `${begin(name)}\n${end(name)}`;
}
