/** Metric families as values: what the pure mapping returns and the renderer writes. */

export type MetricType = 'gauge' | 'counter';

export interface Sample {
  /**
   * The labels as exposition text, escaped and in rendering order (`cluster="prod",job_name="orders"`); empty
   * for none. A job's label text is rendered once per scrape and shared by all of its series.
   */
  readonly labels: string;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  /**
   * The family's samples come from rows (a cluster, a job name), in exposition order: `samplesOfRow(i, push)`
   * pushes the samples of row `i`. They are generated while the exposition is written: a 10,000-job scrape has
   * hundreds of thousands of samples, and holding them all at once cost more memory than everything else in the
   * scrape.
   */
  readonly rowCount: number;
  readonly samplesOfRow: (index: number, push: Push) => void;
  /** Set when the family's text can be kept between scrapes: its rows and what their lines are made of. */
  readonly keyed?: KeyedRows;
}

/**
 * A family's rows, and what each row's lines are made of, compared by identity with the key of the row in the same
 * place of an earlier scrape: when every key is the very same, so is the family's text, and the renderer writes
 * the text it kept (see render.ts). A key stands for everything the row's lines say, its labels included.
 */
export interface KeyedRows {
  /** Never changed once handed over: a later scrape's rows are another array, or this one when all are the same. */
  readonly rows: readonly unknown[];
  // A method, so that a key function of a family's own row type fits.
  keyOf(row: unknown): unknown;
}

/**
 * Adds one sample: labels as exposition text, and the value. `more` is label text to append to `labels`
 * (`,state="RUNNING"`), given apart so that a row's shared labels need not be copied into a new string per sample.
 */
export type Push = (labels: string, value: number, more?: string) => void;

const NEEDS_ESCAPE = /[\\\n"]/;

/** Escapes a label value for the text format: backslash, newline and double quote. */
export function escapeLabelValue(value: string): string {
  // Almost no label value needs escaping; testing first spares three replaces per value.
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** One label as exposition text: `name="value"`, the value escaped. */
export function label(name: string, value: string): string {
  return `${name}="${escapeLabelValue(value)}"`;
}

/**
 * A family whose samples come from `rows`, `samplesOf` giving each row's samples in order; `keyOf`, when given,
 * says what a row's lines are made of (see `KeyedRows`).
 */
export function rowFamily<Row>(
  def: { readonly name: string; readonly help: string; readonly type: MetricType },
  rows: readonly Row[],
  samplesOf: (row: Row, push: Push) => void,
  keyOf?: (row: Row) => unknown,
): MetricFamily {
  const family = {
    ...def,
    rowCount: rows.length,
    samplesOfRow: (i: number, push: Push) => samplesOf(rows[i] as Row, push),
  };
  return keyOf === undefined ? family : { ...family, keyed: { rows, keyOf } };
}

/** Every sample of a family, materialized (for assertions; the renderer never holds them all). */
export function samplesOf(family: MetricFamily): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < family.rowCount; i += 1) {
    family.samplesOfRow(i, (labels, value, more) =>
      out.push({ labels: more === undefined ? labels : labels + more, value }),
    );
  }
  return out;
}
