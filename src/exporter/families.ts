/** Metric families as plain values: what the pure mapping returns and the renderer writes. */

export type MetricType = 'gauge' | 'counter';

export interface Sample {
  /** Label names and values, in the order they are rendered. */
  readonly labels: readonly (readonly [string, string])[];
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

/** Collects samples by family name while keeping each family's help and type in one place. */
export class FamilyBuilder {
  private readonly samples = new Map<string, Sample[]>();

  constructor(private readonly defs: Readonly<Record<string, { readonly help: string; readonly type: MetricType }>>) {}

  add(name: string, labels: Readonly<Record<string, string>>, value: number): void {
    if (!(name in this.defs)) throw new Error(`unknown metric ${name}`);
    let list = this.samples.get(name);
    if (list === undefined) {
      list = [];
      this.samples.set(name, list);
    }
    list.push({ labels: Object.entries(labels), value });
  }

  /** The families that have samples, sorted by name, samples sorted by label values. */
  build(): MetricFamily[] {
    return [...this.samples.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, samples]) => {
        const def = this.defs[name] ?? { help: '', type: 'gauge' as const };
        // Keys computed once: a 10,000-job scrape sorts hundreds of thousands of samples.
        const keyed = samples.map((s) => ({ s, key: s.labels.map(([, v]) => v).join('\u0000') }));
        keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        return { name, help: def.help, type: def.type, samples: keyed.map((k) => k.s) };
      });
  }
}
