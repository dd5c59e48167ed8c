/** Prometheus text exposition format 0.0.4 for the exporter's own families. */
import type { KeyedRows, MetricFamily } from './families.js';

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Escapes HELP text: backslash and newline. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Most values are small counts and 0/1 flags: their text is made once, not once per sample. */
const SMALL_INTS: readonly string[] = Array.from({ length: 1024 }, (_, i) => String(i));

/** Whether `value` is one of the small counts whose texts are made once. */
const isSmall = (value: number): boolean => Number.isInteger(value) && value >= 0 && value < SMALL_INTS.length;

/** A sample's value as exposition text. */
export function formatValue(value: number): string {
  if (isSmall(value)) return SMALL_INTS[value] as string;
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/**
 * The end of a line whose value is a small count or a 0/1 flag (`} 0` and the newline), made once: a line is then
 * three parts of its piece, not five, and joining the piece copies fewer of them.
 */
const SMALL_TAILS: readonly string[] = SMALL_INTS.map((text) => `} ${text}\n`);

function lineEnd(value: number): string {
  if (isSmall(value)) return SMALL_TAILS[value] as string;
  return `} ${formatValue(value)}\n`;
}

/** Characters per piece: big enough to write efficiently, small enough to stay young garbage. */
const CHUNK_CHARS = 64 * 1024;

/** A family's rows as a scrape rendered them, and its text once they held still from one scrape to the next. */
interface KeptFamily {
  readonly rows: readonly unknown[];
  readonly pieces: readonly Uint8Array[] | undefined;
}

/** What a scrape finds kept for a family: its text, the same rows without text yet, or nothing that fits. */
type Found =
  | { readonly kind: 'text'; readonly pieces: readonly Uint8Array[] }
  | { readonly kind: 'still' }
  | { readonly kind: 'moved' };

const STILL: Found = { kind: 'still' };
const MOVED: Found = { kind: 'moved' };

/**
 * The text of the families with keyed rows (families.ts `KeyedRows`) in UTF-8, written again while each row's key
 * is the same: a steady scrape writes most of its exposition without mapping, rendering or encoding it. A family's
 * text is kept only once its rows held still from one scrape to the next, so one whose rows move at every scrape
 * (checkpoint times on a busy cluster) is never held. What it holds besides the text are rows the mapping keeps
 * anyway, while they last. Belongs to one exporter, whose catalog does not change.
 */
export class KeptText {
  private readonly families = new Map<string, KeptFamily>();

  find(name: string, { rows, keyOf }: KeyedRows): Found {
    const kept = this.families.get(name);
    if (kept === undefined || kept.rows.length !== rows.length) return MOVED;
    if (kept.rows !== rows) {
      for (let i = 0; i < rows.length; i += 1) if (keyOf(kept.rows[i]) !== keyOf(rows[i])) return MOVED;
    }
    return kept.pieces === undefined ? STILL : { kind: 'text', pieces: kept.pieces };
  }

  keep(name: string, rows: readonly unknown[], pieces: readonly Uint8Array[] | undefined): void {
    this.families.set(name, { rows, pieces });
  }
}

/**
 * Renders families as exposition text in pieces, each ending with a newline: HELP, TYPE, then one line per
 * sample; a family without samples is left out. Written to the response one piece at a time, a 10,000-job
 * scrape never holds its whole text, and the samples are generated as the pieces are (a piece ends after
 * the row that filled it). With `kept`, a family with row keys is written from there when its rows are the same;
 * one whose rows held still since the scrape before is rendered in pieces of its own, encoded, and kept.
 */
export function* renderChunks(families: readonly MetricFamily[], kept?: KeptText): Generator<string | Uint8Array> {
  // A piece is its parts joined once: join writes one flat string, while `+=` builds a rope of thousands of
  // parts that the socket write then has to flatten, which cost more than rendering the lines. One array holds
  // the parts of every piece, written by index: a new array per piece, grown by `push`, was copied several times
  // on the way and was the largest garbage of a scrape after the text itself.
  const parts: string[] = [];
  let count = 0;
  let size = 0;
  let name = '';
  let open = '';
  let header = '';
  const piece = (): string => {
    // What a longer piece before left beyond this one's parts is blanked, not cut: a cut array shrinks and
    // has to grow again.
    parts.fill('', count);
    const text = parts.join('');
    count = 0;
    size = 0;
    return text;
  };
  // Samples go straight into the text, without objects in between; the family's header goes in before its
  // first sample, so a family without samples leaves no trace.
  const push = (labels: string, value: number, more?: string): void => {
    if (header !== '') {
      parts[count++] = header;
      size += header.length;
      header = '';
    }
    // The line's parts go in as they are: joining them into a line first would allocate a string per part
    // (hundreds of thousands per large scrape) that the piece's join copies again anyway.
    if (labels === '' && more === undefined) {
      const text = formatValue(value);
      parts[count++] = name;
      parts[count++] = ' ';
      parts[count++] = text;
      parts[count++] = '\n';
      size += name.length + text.length + 2;
      return;
    }
    const end = lineEnd(value);
    parts[count++] = open;
    parts[count++] = labels;
    if (more !== undefined) {
      parts[count++] = more;
      size += more.length;
    }
    parts[count++] = end;
    size += open.length + labels.length + end.length;
  };
  const encoded = (own: Uint8Array[]): Uint8Array => {
    const bytes = Buffer.from(piece());
    own.push(bytes);
    return bytes;
  };
  /** The family's lines; with `own`, in pieces of the family's own, encoded and gathered there. */
  function* lines(family: MetricFamily, own?: Uint8Array[]): Generator<string | Uint8Array> {
    if (own !== undefined && size > 0) yield piece();
    for (let i = 0; i < family.rowCount; i += 1) {
      family.samplesOfRow(i, push);
      if (size >= CHUNK_CHARS) yield own === undefined ? piece() : encoded(own);
    }
    if (own !== undefined && size > 0) yield encoded(own);
  }
  for (const family of families) {
    name = family.name;
    open = `${name}{`;
    header = `# HELP ${name} ${escapeHelp(family.help)}\n# TYPE ${name} ${family.type}\n`;
    const keyed = family.keyed;
    if (kept === undefined || keyed === undefined) {
      yield* lines(family);
      continue;
    }
    const found = kept.find(name, keyed);
    if (found.kind === 'text') {
      // A kept family's pieces are its own: what earlier families left goes out first.
      if (size > 0) yield piece();
      yield* found.pieces;
      // The next scrape compares with this one's rows: the rows the text was kept with, and the details behind
      // them, are not held as long as the text is.
      kept.keep(name, keyed.rows, found.pieces);
    } else if (found.kind === 'still') {
      const own: Uint8Array[] = [];
      yield* lines(family, own);
      // Reached only when the whole family was written: a scrape cut short keeps no text.
      kept.keep(name, keyed.rows, own);
    } else {
      yield* lines(family);
      kept.keep(name, keyed.rows, undefined);
    }
  }
  if (size > 0) yield piece();
}

const utf8 = new TextDecoder();

/** The text of exposition pieces, strings or UTF-8 bytes, joined. */
export function textOf(pieces: Iterable<string | Uint8Array>): string {
  let text = '';
  // A piece ends with a line, so its bytes are whole characters.
  for (const piece of pieces) text += typeof piece === 'string' ? piece : utf8.decode(piece);
  return text;
}

/** Renders families as exposition text: HELP, TYPE, then one line per sample. */
export function renderFamilies(families: readonly MetricFamily[], kept?: KeptText): string {
  return textOf(renderChunks(families, kept));
}
