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

/** Renders families as exposition text: HELP, TYPE, then one line per sample. */
export function renderFamilies(families: readonly MetricFamily[]): string {
  const chunks: string[] = [];
  for (const family of families) {
    const { name } = family;
    const lines: string[] = [`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`];
    for (const sample of family.samples) {
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
      lines.push(`${line} ${formatValue(sample.value)}`);
    }
    // One flat string per family: the final join copies far fewer pieces than one join of every line.
    chunks.push(lines.join('\n'));
  }
  return chunks.length === 0 ? '' : `${chunks.join('\n')}\n`;
}
