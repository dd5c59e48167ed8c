/**
 * YAML files read as plain values: the configuration and the web configuration.
 *
 * js-yaml builds the values as it reads. The `yaml` library, used before, first builds a document of nodes that
 * each keep their source range; for a configuration with a large catalog that document was the largest allocation
 * before the first scrape, and V8 grew its young generation to full size for it and kept it at that size.
 */
import { loadAll } from 'js-yaml';

export type YamlResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string };

/** Where js-yaml stopped, from its exception's mark (zero-based). */
function position(err: unknown): string {
  const mark = (err as { mark?: { line?: unknown; column?: unknown } }).mark;
  if (typeof mark?.line !== 'number' || typeof mark.column !== 'number') return '';
  return ` at line ${mark.line + 1}, column ${mark.column + 1}`;
}

/**
 * One YAML document (YAML 1.2's core schema, a repeated key is an error); an empty file, or one of comments only,
 * is `undefined`. Errors name what is wrong and where, prefixed `YAML: `.
 */
export function parseYaml(text: string): YamlResult {
  let documents: unknown[];
  try {
    documents = loadAll(text);
  } catch (err) {
    const reason = (err as { reason?: unknown }).reason;
    const what = typeof reason === 'string' ? reason : err instanceof Error ? err.message : String(err);
    return { ok: false, message: `YAML: ${what}${position(err)}` };
  }
  if (documents.length > 1) {
    return { ok: false, message: `YAML: the file holds ${documents.length} documents; one is expected` };
  }
  return { ok: true, value: documents[0] };
}
