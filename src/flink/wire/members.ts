/**
 * Cutting a JSON object's text down to the top-level members a reader needs before `JSON.parse` builds it.
 *
 * `/jobs/:id/checkpoints` is fetched for every running job on every scrape, and most of its body is `summary` and
 * `history` (Flink keeps the last 10 checkpoints, each with a dozen fields), which we never read. Parsing them
 * anyway made most of the objects a 10,000-job scrape allocates. The members we skip are scanned for their
 * extent only, not validated, and the scan stops once every wanted key is found (Flink sends `history` last): a
 * body broken past them still gives the members we read. A key sent twice counts the first time.
 */
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  isJsonSpace,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
} from '../../json-bytes.js';

function skipSpace(text: string, i: number): number {
  while (i < text.length && isJsonSpace(text.charCodeAt(i))) i += 1;
  return i;
}

/** The index just past the string literal whose opening quote is at `i`, or -1 when it does not end. */
function endOfString(text: string, i: number): number {
  for (let at = text.indexOf('"', i + 1); at !== -1; at = text.indexOf('"', at + 1)) {
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return at + 1;
  }
  return -1;
}

/** The index just past the value that starts at `i` (after whitespace), or -1 when the text ends first. */
function endOfValue(text: string, i: number): number {
  let depth = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i);
      if (i === -1) return -1;
      if (depth === 0) return i;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth += 1;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth === 0) return i; // the end of a scalar that the enclosing object closes
      depth -= 1;
      if (depth === 0) return i + 1;
    } else if (c === COMMA && depth === 0) return i;
    i += 1;
  }
  return depth === 0 ? i : -1;
}

/**
 * The text of an object with only those top-level members of `text` whose key is in `keys`, in their order; or
 * undefined when `text` is not an object the scan understands (the caller then parses the whole text, so a
 * broken body is still reported by `JSON.parse`).
 */
export function pickMembers(text: string, keys: ReadonlySet<string>): string | undefined {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_OBJECT) return undefined;
  let picked = '';
  const found = new Set<string>();
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_OBJECT) return '{}';
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = endOfString(text, i);
    if (keyEnd === -1) return undefined;
    const raw = text.slice(i + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(i, keyEnd)) as string) : raw;
    const colon = skipSpace(text, keyEnd);
    if (text.charCodeAt(colon) !== COLON) return undefined;
    const valueStart = skipSpace(text, colon + 1);
    const valueEnd = endOfValue(text, valueStart);
    if (valueEnd === -1 || valueEnd === valueStart) return undefined;
    if (keys.has(key) && !found.has(key)) {
      picked += `${picked === '' ? '' : ','}${text.slice(i, valueEnd)}`;
      found.add(key);
      if (found.size === keys.size) return `{${picked}}`;
    }
    i = skipSpace(text, valueEnd);
    const c = text.charCodeAt(i);
    if (c === CLOSE_OBJECT) return `{${picked}}`;
    if (c !== COMMA) return undefined;
    i = skipSpace(text, i + 1);
  }
}
