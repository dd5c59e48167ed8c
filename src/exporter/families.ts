/** Metric families as plain values: what the pure mapping returns and the renderer writes. */

export type MetricType = 'gauge' | 'counter';

/** Label names and values, in the order they are rendered. */
export type Labels = readonly (readonly [string, string])[];

export interface Sample {
  /** Label names and values, in the order they are rendered. */
  readonly labels: Labels;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

/** The order of the label values joined with NUL, as the key comparison of `a` and `b` (without joining). */
function compareLabelValues(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const va = (a[i] as readonly [string, string])[1];
    const vb = (b[i] as readonly [string, string])[1];
    if (va === vb) continue;
    const m = Math.min(va.length, vb.length);
    for (let c = 0; c < m; c += 1) {
      const d = va.charCodeAt(c) - vb.charCodeAt(c);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    // One value is a prefix of the other: only a NUL inside a value makes this differ from the joined keys.
    const longer = va.length > vb.length ? va : vb;
    if (longer.charCodeAt(m) === 0) return joinedCompare(a, b);
    return va.length < vb.length ? -1 : 1;
  }
  return a.length === b.length ? 0 : joinedCompare(a, b);
}

function joinedCompare(a: Labels, b: Labels): number {
  const ka = a.map(([, v]) => v).join('\u0000');
  const kb = b.map(([, v]) => v).join('\u0000');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Collects samples by family name while keeping each family's help and type in one place. */
export class FamilyBuilder {
  private readonly samples = new Map<string, Sample[]>();

  constructor(private readonly defs: Readonly<Record<string, { readonly help: string; readonly type: MetricType }>>) {}

  add(name: string, labels: Readonly<Record<string, string>>, value: number): void {
    this.push(name, Object.entries(labels), value);
  }

  /**
   * Adds a sample whose label list is already built. The list may be shared with other samples (a 10,000-job
   * scrape makes ~260,000 samples, and allocating fresh label tuples for each was a third of its garbage).
   */
  push(name: string, labels: Labels, value: number): void {
    let list = this.samples.get(name);
    if (list === undefined) {
      if (!(name in this.defs)) throw new Error(`unknown metric ${name}`);
      list = [];
      this.samples.set(name, list);
    }
    list.push({ labels, value });
  }

  /** The families that have samples, sorted by name, samples sorted by label values. */
  build(): MetricFamily[] {
    return [...this.samples.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, samples]) => {
        const def = this.defs[name] ?? { help: '', type: 'gauge' as const };
        // Compared value by value instead of on joined keys: no key strings to allocate, and the mapping adds
        // samples mostly in order already, which the sort then only verifies.
        samples.sort((a, b) => compareLabelValues(a.labels, b.labels));
        return { name, help: def.help, type: def.type, samples };
      });
  }
}
