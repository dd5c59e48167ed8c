/**
 * Just enough PromQL lexing to list the metric names an expression selects. Parsing (syntax) is left to
 * promtool; this only has to tell metric names from functions, aggregations, keywords, label names in
 * grouping clauses, label matchers, durations, numbers and strings.
 */

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'atan2',
  'inf',
  'nan',
  'start',
  'end',
]);
/** Keywords followed by a parenthesised list of label names, not of expressions. */
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

type Token = { kind: 'ident' | 'punct' | 'other'; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (c === '#') {
      // comment to the end of the line
      while (i < expr.length && expr[i] !== '\n') i += 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      // string literal
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) j += expr[j] === '\\' && c !== '`' ? 2 : 1;
      tokens.push({ kind: 'other', text: expr.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      // label matchers, range or subquery: no metric names inside
      const close = c === '{' ? '}' : ']';
      let j = i + 1;
      while (j < expr.length && expr[j] !== close) {
        const q = expr[j]!;
        if (q === '"' || q === "'" || q === '`') {
          j += 1;
          while (j < expr.length && expr[j] !== q) j += expr[j] === '\\' && q !== '`' ? 2 : 1;
        }
        j += 1;
      }
      tokens.push({ kind: 'other', text: expr.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    const number = /^(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)(?:[a-zA-Z]+\d*)*/.exec(expr.slice(i));
    if (number) {
      // numbers and durations (5m, 1h30m)
      tokens.push({ kind: 'other', text: number[0] });
      i += number[0].length;
      continue;
    }
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0] });
      i += ident[0].length;
      continue;
    }
    tokens.push({ kind: 'punct', text: c });
    i += 1;
  }
  return tokens;
}

/** The metric names an expression selects, in order of appearance, without duplicates. */
export function metricNames(expr: string): string[] {
  const tokens = tokenize(expr);
  const names: string[] = [];
  for (let k = 0; k < tokens.length; k += 1) {
    const t = tokens[k]!;
    if (t.kind !== 'ident') continue;
    const next = tokens[k + 1];
    const lower = t.text.toLowerCase();
    if (LABEL_LIST_KEYWORDS.has(lower) && next?.text === '(') {
      let depth = 0; // skip the label list
      for (k += 1; k < tokens.length; k += 1) {
        if (tokens[k]!.text === '(') depth += 1;
        else if (tokens[k]!.text === ')' && --depth === 0) break;
      }
      continue;
    }
    if (KEYWORDS.has(lower)) continue;
    if (next?.text === '(') continue; // a function or an aggregation
    // An aggregation with its clause first: sum by (x) (metric); the grouping was skipped above, the
    // aggregation name itself is followed by `by`/`without`.
    if (next?.kind === 'ident' && (next.text === 'by' || next.text === 'without')) continue;
    if (!names.includes(t.text)) names.push(t.text);
  }
  return names;
}
