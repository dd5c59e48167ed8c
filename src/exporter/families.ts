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
        const key = (s: Sample) => s.labels.map(([, v]) => v).join('\u0000');
        const sorted = [...samples].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
        return { name, help: def.help, type: def.type, samples: sorted };
      });
  }
}
