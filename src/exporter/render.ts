/** Prometheus text exposition format 0.0.4 for the exporter's own families. */
import type { MetricFamily } from './families.js';

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabel(value: string): string {
  // Almost no label value needs escaping; testing first spares three replaces per value.
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** Lines per chunk of a streamed exposition: big enough to write efficiently, small enough to stay young garbage. */
const LINES_PER_CHUNK = 2048;

function sampleLine(name: string, sample: MetricFamily['samples'][number]): string {
  const { labels } = sample;
  let line = name;
  if (labels.length > 0) {
    line += '{';
    for (let i = 0; i < labels.length; i += 1) {
      const [k, v] = labels[i] as readonly [string, string];
      line += `${i === 0 ? '' : ','}${k}="${escapeLabel(v)}"`;
    }
    line += '}';
  }
  return `${line} ${formatValue(sample.value)}`;
}

/**
 * Renders families as exposition text in pieces, each ending with a newline: HELP, TYPE, then one line per
 * sample. Written to the response one piece at a time, a 10,000-job scrape never holds its 22 MB of text.
 */
export function* renderChunks(families: readonly MetricFamily[]): Generator<string> {
  for (const family of families) {
    const { name } = family;
    let lines: string[] = [`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`];
    for (const sample of family.samples) {
      lines.push(sampleLine(name, sample));
      if (lines.length >= LINES_PER_CHUNK) {
        yield `${lines.join('\n')}\n`;
        lines = [];
      }
    }
    if (lines.length > 0) yield `${lines.join('\n')}\n`;
  }
}

/** Renders families as exposition text: HELP, TYPE, then one line per sample. */
export function renderFamilies(families: readonly MetricFamily[]): string {
  let text = '';
  for (const chunk of renderChunks(families)) text += chunk;
  return text;
}
