/**
 * The dashboards as data (rows of panels, each with its PromQL), turned into Grafana's JSON by Grafana's own
 * builders (@grafana/grafana-foundation-sdk), so the generated files follow Grafana's schema rather than our
 * memory of it. Every panel reads the Prometheus datasource of the `datasource` variable: no uid is fixed.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

export type Query = { expr: string; legend?: string; instant?: boolean; table?: boolean };
export type Step = [color: string, value: number | null];

/** Availability against the objective of prometheus/rules (99.9%): red below it, green at or above it. */
export const OBJECTIVE_STEPS: Step[] = [
  ['red', null],
  ['green', 0.999],
];

/** An error-budget burn rate: within budget below 1, and red from the fast-burn page's 14.4 on. */
export const BURN_RATE_STEPS: Step[] = [
  ['green', null],
  ['orange', 1],
  ['red', 14.4],
];

type Common = {
  title: string;
  description?: string;
  w: number;
  h: number;
  queries: Query[];
  unit?: string;
  min?: number;
  max?: number;
  decimals?: number;
  thresholds?: Step[];
  /** value -> [text, color] */
  mappings?: Record<string, [string, string]>;
  /** Series on a right axis with their own unit. */
  rightAxis?: { byName?: string; byRegexp?: string; unit: string };
  transformations?: dashboard.DataTransformerConfig[];
};

export type PanelSpec =
  | (Common & {
      kind: 'stat';
      colorMode: 'value' | 'background';
      graphMode?: 'area';
      textMode?: 'name' | 'value_and_name';
    })
  | (Common & {
      kind: 'timeseries';
      tooltip: ['single' | 'multi', 'asc' | 'desc' | 'none'];
      thresholdLine?: boolean;
      logScale?: boolean;
      bars?: boolean;
      stacked?: boolean;
      fillOpacity?: number;
      stepAfter?: boolean;
      legendTable?: boolean;
    })
  | (Common & { kind: 'bargauge' })
  | (Common & { kind: 'stateTimeline'; legend?: false })
  | (Common & { kind: 'table' });

/** A row of panels and the runbook section an operator reads first about what the row shows. */
export type RowSpec = { title: string; runbook: string; panels: PanelSpec[] };

export type AnnotationSpec = {
  name: string;
  color: string;
  expr: string;
  title: string;
  text: string;
  tags: string;
};

export type DashboardSpec = {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  /** `multi`: the cluster and job variables select several values (regex matchers, `=~`). */
  multi: boolean;
  link: { title: string; url: string };
  annotations: AnnotationSpec[];
  rows: RowSpec[];
};

const RUNBOOK_BASE = 'https://github.com/flink-guardian/flink-guardian/blob/main/docs/runbook.md';

/** The runbook URL of a section (its heading, as GitHub makes anchors). */
export function runbook(section: string): string {
  return `${RUNBOOK_BASE}#${section
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-')}`;
}

function targets(queries: readonly Query[]): prometheus.DataqueryBuilder[] {
  return queries.map((q, i) => {
    const t = new prometheus.DataqueryBuilder()
      .datasource(DATASOURCE)
      .expr(q.expr)
      .refId(String.fromCharCode(65 + i));
    if (q.legend !== undefined) t.legendFormat(q.legend);
    if (q.instant === true) t.instant();
    else t.range();
    if (q.table === true) t.format(prometheus.PromQueryFormat.Table);
    return t;
  });
}

function thresholdsOf(steps: readonly Step[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([color, value]) => ({ color, value })));
}

/** What every panel kind shares: title, size, queries, units, thresholds, mappings, overrides, runbook link. */
type FieldPanel =
  | stat.PanelBuilder
  | timeseries.PanelBuilder
  | bargauge.PanelBuilder
  | statetimeline.PanelBuilder
  | table.PanelBuilder;

function withCommon<T extends FieldPanel>(builder: T, p: PanelSpec, id: number, runbookUrl: string): T {
  builder
    .id(id)
    .title(p.title)
    .datasource(DATASOURCE)
    .span(p.w)
    .height(p.h)
    .targets(targets(p.queries))
    .links([
      new dashboard.DashboardLinkBuilder('Runbook')
        .type(dashboard.DashboardLinkType.Link)
        .url(runbookUrl)
        .targetBlank(true),
    ]);
  if (p.description !== undefined) builder.description(p.description);
  if (p.unit !== undefined) builder.unit(p.unit);
  if (p.min !== undefined) builder.min(p.min);
  if (p.max !== undefined) builder.max(p.max);
  if (p.decimals !== undefined) builder.decimals(p.decimals);
  if (p.thresholds !== undefined) builder.thresholds(thresholdsOf(p.thresholds));
  if (p.mappings !== undefined) {
    const options: Record<string, dashboard.ValueMappingResult> = {};
    for (const [value, [text, color]] of Object.entries(p.mappings)) options[value] = { text, color };
    builder.mappings([{ type: dashboard.MappingType.ValueToText, options }]);
  }
  if (p.rightAxis !== undefined) {
    const properties = [
      { id: 'unit', value: p.rightAxis.unit },
      { id: 'custom.axisPlacement', value: 'right' },
    ];
    if (p.rightAxis.byName !== undefined) builder.overrideByName(p.rightAxis.byName, properties);
    if (p.rightAxis.byRegexp !== undefined) builder.overrideByRegexp(p.rightAxis.byRegexp, properties);
  }
  if (p.transformations !== undefined) builder.transformations(p.transformations);
  return builder;
}

function legend(): common.VizLegendOptionsBuilder {
  return new common.VizLegendOptionsBuilder()
    .displayMode(common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom)
    .showLegend(true);
}

function lastNotNull(): common.ReduceDataOptionsBuilder {
  return new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('').values(false);
}

function panel(p: PanelSpec, id: number, runbookUrl: string): FieldPanel {
  switch (p.kind) {
    case 'stat': {
      const b = withCommon(new stat.PanelBuilder(), p, id, runbookUrl)
        .reduceOptions(lastNotNull())
        .colorMode(p.colorMode === 'value' ? common.BigValueColorMode.Value : common.BigValueColorMode.Background)
        .graphMode(p.graphMode === 'area' ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
        .textMode(
          p.textMode === 'name'
            ? common.BigValueTextMode.Name
            : p.textMode === 'value_and_name'
              ? common.BigValueTextMode.ValueAndName
              : common.BigValueTextMode.Auto,
        );
      return b;
    }
    case 'timeseries': {
      const b = withCommon(new timeseries.PanelBuilder(), p, id, runbookUrl);
      const l = legend();
      if (p.legendTable === true)
        l.displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Right).calcs(['lastNotNull']);
      b.legend(l).tooltip(
        new common.VizTooltipOptionsBuilder()
          .mode(p.tooltip[0] === 'single' ? common.TooltipDisplayMode.Single : common.TooltipDisplayMode.Multi)
          .sort(
            p.tooltip[1] === 'asc'
              ? common.SortOrder.Ascending
              : p.tooltip[1] === 'desc'
                ? common.SortOrder.Descending
                : common.SortOrder.None,
          ),
      );
      if (p.thresholdLine === true)
        b.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line));
      if (p.logScale === true)
        b.scaleDistribution(new common.ScaleDistributionConfigBuilder().type(common.ScaleDistribution.Log).log(10));
      if (p.bars === true) b.drawStyle(common.GraphDrawStyle.Bars);
      if (p.stacked === true)
        b.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group('A'));
      if (p.fillOpacity !== undefined) b.fillOpacity(p.fillOpacity);
      if (p.stepAfter === true) b.lineInterpolation(common.LineInterpolation.StepAfter);
      return b;
    }
    case 'bargauge':
      return withCommon(new bargauge.PanelBuilder(), p, id, runbookUrl)
        .displayMode(common.BarGaugeDisplayMode.Gradient)
        .orientation(common.VizOrientation.Horizontal)
        .reduceOptions(lastNotNull())
        .showUnfilled(true);
    case 'stateTimeline':
      return withCommon(new statetimeline.PanelBuilder(), p, id, runbookUrl)
        .showValue(common.VisibilityMode.Never)
        .mergeValues(true)
        .rowHeight(0.8)
        .legend(p.legend === false ? new common.VizLegendOptionsBuilder().showLegend(false) : legend());
    case 'table':
      return withCommon(new table.PanelBuilder(), p, id, runbookUrl).cellHeight(common.TableCellHeight.Sm);
  }
}

function variable(name: string, label: string, query: string, multi: boolean): dashboard.QueryVariableBuilder {
  const v = new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .definition(query)
    .query(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
  if (multi) v.multi(true).includeAll(true).allValue('.*');
  return v;
}

/** A dashboard's JSON model, built by Grafana's builders from the spec. */
export function build(spec: DashboardSpec): dashboard.Dashboard {
  const op = spec.multi ? '=~' : '=';
  const d = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(spec.tags)
    .timezone('browser')
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .links([
      new dashboard.DashboardLinkBuilder(spec.link.title)
        .type(dashboard.DashboardLinkType.Link)
        .url(spec.link.url)
        .icon('dashboard')
        .keepTime(true),
    ])
    .withVariable(new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(variable('cluster', 'Cluster', 'label_values(flink_cluster_up, cluster)', spec.multi))
    .withVariable(variable('job', 'Job', `label_values(flink_job_up{cluster${op}"$cluster"}, job_name)`, spec.multi));
  for (const a of spec.annotations) {
    d.annotation(
      new dashboard.AnnotationQueryBuilder()
        .name(a.name)
        .datasource(DATASOURCE)
        .enable(true)
        .iconColor(a.color)
        .expr(a.expr)
        .step('$__rate_interval')
        .titleFormat(a.title)
        .textFormat(a.text)
        .tagKeys(a.tags)
        .useValueForTime(false),
    );
  }
  let id = 1;
  for (const row of spec.rows) {
    d.withRow(new dashboard.RowBuilder(row.title).id(id++));
    for (const p of row.panels) d.withPanel(panel(p, id++, row.runbook));
  }
  return d.build();
}

/** The file as committed: two-space JSON and a final newline. */
export function render(spec: DashboardSpec): string {
  return `${JSON.stringify(build(spec), null, 2)}\n`;
}
