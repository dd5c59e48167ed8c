/**
 * The recoverer's per-job series, kept as numbers in one Float64Array per job instead of prom-client's object
 * per series. Each catalog job has 26 series from the start (so `rate()` works at once); through prom-client
 * they were the largest live structure of the service after its code, and V8 sizes the heap by a multiple of
 * what is live. The families are registered on the same
 * prom-client Registry as the other metrics and answer its `get()` like prom-client's own.
 */
import { Registry, type Metric } from 'prom-client';
import { label } from '../../exporter/families.js';
import { escapeHelp, formatValue } from '../../exporter/render.js';
import { jobKey } from '../store/episodes.js';

/** One series as prom-client's registry reads it. */
export interface SeriesValue {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The extra labels of one series of a family, beyond cluster and job_name. */
type SlotLabels = Readonly<Record<string, string>>;

interface FamilyDef {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  /** Every series a job can have in this family, by its extra labels. */
  readonly slots: readonly SlotLabels[];
}

interface JobRow {
  readonly cluster: string;
  readonly jobName: string;
  /** `cluster="…",job_name="…"` as exposition text, escaped once for every series of the job. */
  readonly labelText: string;
  /** Every family's slots one after another; NaN marks a series that does not exist (yet). */
  readonly values: Float64Array;
}

/** Places in a job's values, resolved from labels once (see `JobSeries.zero`). */
export interface ZeroPlaces {
  /** Series created at 0 where absent, as `inc(…, 0)` does. */
  readonly counters: readonly number[];
  /** Series set to 0, as `set(…, 0)` does. */
  readonly gauges: readonly number[];
}

/** The key of a slot: its extra labels, in name order. */
const slotKey = (labels: SlotLabels): string =>
  Object.keys(labels)
    .sort()
    .map((name) => `${name}=${labels[name]}`)
    .join('\u0000');

/** A family of per-job series; `JobSeries` owns the numbers, the family knows its slice of them. */
export class JobFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly aggregator = 'sum' as const;
  private readonly index: ReadonlyMap<string, number>;
  /** Each slot's extra labels as exposition text (`,reason="cooldown"`), in the slot's own label order. */
  private readonly slotTexts: readonly string[];

  constructor(
    private readonly owner: JobSeries,
    readonly def: FamilyDef,
    readonly offset: number,
  ) {
    this.name = def.name;
    this.help = def.help;
    this.type = def.type;
    this.index = new Map(def.slots.map((labels, i) => [slotKey(labels), offset + i]));
    this.slotTexts = def.slots.map((labels) =>
      Object.entries(labels)
        .map(([name, value]) => `,${label(name, value)}`)
        .join(''),
    );
  }

  /** The position of a series in a job's values; throws for labels outside the family's closed sets. */
  private slot(labels: SlotLabels): number {
    const at = this.index.get(slotKey(labels));
    if (at === undefined) throw new Error(`${this.name}: no series with labels ${JSON.stringify(labels)}`);
    return at;
  }

  /** The places of `slots` in a job's values; throws for labels outside the family's closed sets. */
  places(slots: readonly SlotLabels[]): number[] {
    return slots.map((labels) => this.slot(labels));
  }

  /** Adds `by` to a series, creating it at 0 first. */
  inc(cluster: string, jobName: string, labels: SlotLabels, by = 1): void {
    const at = this.slot(labels);
    const values = this.owner.row(cluster, jobName).values;
    values[at] = (Number.isNaN(values[at]) ? 0 : (values[at] as number)) + by;
  }

  /** Sets a series. */
  set(cluster: string, jobName: string, labels: SlotLabels, value: number): void {
    const at = this.slot(labels);
    this.owner.row(cluster, jobName).values[at] = value;
  }

  /** The family as prom-client's registry reads it (exposition and JSON). */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'counter' | 'gauge';
    aggregator: 'sum';
    values: SeriesValue[];
  }> {
    const values: SeriesValue[] = [];
    const { slots } = this.def;
    for (const row of this.owner.rows()) {
      for (let i = 0; i < slots.length; i += 1) {
        const value = row.values[this.offset + i] as number;
        if (!Number.isNaN(value))
          values.push({ labels: { cluster: row.cluster, job_name: row.jobName, ...slots[i] }, value });
      }
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /**
   * The family as exposition text, the very text prom-client's registry renders from `get()` (HELP, TYPE, one
   * line per series, no final newline), written without its objects per series: rendering the recoverer's series
   * through `get()` made some ten objects per series, and at a large catalog they were garbage of the cold
   * first scrape, when memory peaks.
   */
  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    const texts = this.slotTexts;
    for (const row of this.owner.rows()) {
      for (let i = 0; i < texts.length; i += 1) {
        const value = row.values[this.offset + i] as number;
        if (!Number.isNaN(value)) lines.push(`${this.name}{${row.labelText}${texts[i]}} ${formatValue(value)}`);
      }
    }
    return lines.join('\n');
  }

  /** What prom-client's `resetMetrics()` calls: every series of the family is gone. */
  reset(): void {
    for (const row of this.owner.rows()) row.values.fill(Number.NaN, this.offset, this.offset + this.def.slots.length);
  }
}

/** The per-job numbers of several families, one row per (cluster, job name) in the order they first appear. */
export class JobSeries {
  private readonly byJob = new Map<string, JobRow>();
  private width = 0;

  /** Adds a family and registers it on `registry` (before any job has a row). */
  family(def: FamilyDef, registry: Registry): JobFamily {
    if (this.byJob.size > 0) throw new Error('JobSeries: families are declared before the first series');
    const family = new JobFamily(this, def, this.width);
    this.width += def.slots.length;
    // prom-client's Registry reads a metric through name, help, type, get() and reset(), which JobFamily has;
    // its type names only prom-client's own classes.
    registry.registerMetric(family as unknown as Metric);
    return family;
  }

  /** The row of a job, created empty (every series absent) on first use. */
  row(cluster: string, jobName: string): JobRow {
    const key = jobKey(cluster, jobName);
    let row = this.byJob.get(key);
    if (row === undefined) {
      row = {
        cluster,
        jobName,
        labelText: `${label('cluster', cluster)},${label('job_name', jobName)}`,
        values: new Float64Array(this.width).fill(Number.NaN),
      };
      this.byJob.set(key, row);
    }
    return row;
  }

  /**
   * Sets a job's series at `places` to 0 as `inc(…, 0)` and `set(…, 0)` would, without looking up labels and the
   * job for each series: done that way for every series of every catalog job, it was most of what the service
   * allocated before it was ready.
   */
  zero(cluster: string, jobName: string, places: ZeroPlaces): void {
    const { values } = this.row(cluster, jobName);
    for (const at of places.counters) if (Number.isNaN(values[at])) values[at] = 0;
    for (const at of places.gauges) values[at] = 0;
  }

  rows(): IterableIterator<JobRow> {
    return this.byJob.values();
  }
}

/**
 * The exposition text of `registry`, as its `metrics()` writes it (families in registration order, a blank line
 * between them), with the per-job families rendered by `JobFamily.render` and every other metric by prom-client.
 * Default labels are not applied: the recoverer's registry has none.
 */
export async function renderRegistry(registry: Registry): Promise<string> {
  const blocks: string[] = [];
  // Read as unknown: prom-client's type for them names only its own classes, JobFamily among them at run time.
  const metrics: readonly unknown[] = registry.getMetricsAsArray();
  for (const metric of metrics) {
    if (metric instanceof JobFamily) {
      blocks.push(metric.render());
      continue;
    }
    // prom-client renders one metric through a registry of its own; a registry of one is its supported way.
    const one = new Registry();
    one.registerMetric(metric as Metric);
    blocks.push((await one.metrics()).slice(0, -1));
  }
  return `${blocks.join('\n\n')}\n`;
}
