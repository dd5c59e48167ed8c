// grafana/: dashboards are generated from grafana/src, valid and portable (no datasource uid), their PromQL parses
// and, like the rules', selects only metrics flink-guardian exports or the rules record.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { render } from '../../grafana/src/build.js';
import { DASHBOARDS } from '../../grafana/src/generate.js';
import { metricNames } from './promql.js';
import { selectableMetricNames } from './metric-names.js';
import {
  DASHBOARDS_DIR,
  PROMTOOLS,
  explain,
  filesIn,
  hasTool,
  loadRules,
  recordedNames,
  requireTool,
  run,
} from './tools.js';

type Json = Record<string, unknown>;
type Panel = Json & {
  id?: number;
  type?: string;
  title?: string;
  datasource?: unknown;
  targets?: (Json & { expr?: string; datasource?: unknown })[];
  panels?: Panel[];
  links?: unknown[];
};
type Dashboard = Json & {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels?: Panel[];
  templating?: { list?: (Json & { name?: string; type?: string; query?: unknown; datasource?: unknown })[] };
  annotations?: { list?: (Json & { expr?: string; datasource?: unknown })[] };
};

const VARIABLE_DS = { type: 'prometheus', uid: '${datasource}' };

function dashboards(): { file: string; dash: Dashboard }[] {
  return filesIn(DASHBOARDS_DIR, '.json').map((file) => ({
    file,
    dash: JSON.parse(readFileSync(file, 'utf8')) as Dashboard,
  }));
}

function allPanels(panels: readonly Panel[] = []): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Grafana's variables replaced by values that keep the expression valid PromQL. */
export function substituteVariables(expr: string): string {
  const values: Record<string, string> = {
    __rate_interval: '1m',
    __interval: '1m',
    __range: '1d',
    __range_s: '86400',
    __range_ms: '86400000',
    __interval_ms: '60000',
    cluster: 'prod',
    job: 'orders',
    datasource: 'prometheus',
  };
  return expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\$(\w+)/g,
    (whole, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      const value = values[name];
      if (value === undefined) throw new Error(`unknown Grafana variable ${whole} in ${expr}`);
      return value;
    },
  );
}

/** Every PromQL expression of a dashboard (targets, annotations, query variables), with where it is. */
function expressions(dash: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of allPanels(dash.panels)) {
    for (const t of p.targets ?? [])
      if (typeof t.expr === 'string')
        out.push({ where: `panel ${p.id} "${p.title}" ${String(t.refId)}`, expr: t.expr });
  }
  for (const a of dash.annotations?.list ?? [])
    if (typeof a.expr === 'string') out.push({ where: `annotation "${String(a.name)}"`, expr: a.expr });
  for (const v of dash.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : String((v.query as Json | undefined)?.query ?? '');
    const m = /^label_values\((.*),\s*\w+\)$/.exec(q.trim()) ?? /^query_result\((.*)\)$/.exec(q.trim());
    assert.ok(m, `variable ${String(v.name)}: unsupported query ${q}`);
    out.push({ where: `variable ${String(v.name)}`, expr: m[1]! });
  }
  return out;
}

describe('grafana dashboards', () => {
  const files = dashboards();

  it('there are a fleet overview and a per-job dashboard', () => {
    const uids = files.map((f) => f.dash.uid);
    assert.ok(uids.includes('flink-guardian-fleet'));
    assert.ok(uids.includes('flink-guardian-job'));
  });

  for (const { file, dash } of files) {
    describe(file, () => {
      it('has a uid, a title, a schemaVersion and unique uid/title across dashboards', () => {
        assert.match(dash.uid ?? '', /^[a-zA-Z0-9_-]{1,40}$/);
        assert.ok((dash.title ?? '').length > 0);
        assert.ok(Number.isInteger(dash.schemaVersion) && dash.schemaVersion! >= 36, 'schemaVersion');
        assert.equal(files.filter((f) => f.dash.uid === dash.uid).length, 1, 'uid is not unique');
        assert.equal(files.filter((f) => f.dash.title === dash.title).length, 1, 'title is not unique');
      });

      it('has unique panel ids and a grid position for every panel', () => {
        const panels = allPanels(dash.panels);
        assert.ok(panels.length > 0);
        const ids = panels.map((p) => p.id);
        assert.ok(
          ids.every((i) => Number.isInteger(i)),
          'every panel needs an integer id',
        );
        assert.equal(new Set(ids).size, ids.length, `duplicate panel ids: ${ids.join(',')}`);
        for (const p of panels) assert.ok(p.gridPos, `panel ${p.id} has no gridPos`);
      });

      it('has the datasource, cluster and job variables and names no datasource uid', () => {
        const vars = dash.templating?.list ?? [];
        const ds = vars.find((v) => v.name === 'datasource');
        assert.equal(ds?.type, 'datasource');
        assert.equal(ds?.query, 'prometheus');
        for (const name of ['cluster', 'job']) {
          const v = vars.find((x) => x.name === name);
          assert.equal(v?.type, 'query', `variable ${name}`);
          assert.deepEqual(v?.datasource, VARIABLE_DS, `variable ${name} datasource`);
        }
        for (const p of allPanels(dash.panels)) {
          if (p.type === 'row') continue;
          assert.deepEqual(p.datasource, VARIABLE_DS, `panel ${p.id} datasource`);
          assert.ok((p.targets ?? []).length > 0, `panel ${p.id} has no query`);
          for (const t of p.targets ?? [])
            assert.deepEqual(t.datasource, VARIABLE_DS, `panel ${p.id} target ${String(t.refId)} datasource`);
        }
        for (const a of dash.annotations?.list ?? [])
          assert.deepEqual(a.datasource, VARIABLE_DS, `annotation ${String(a.name)} datasource`);
        // Belt and braces: no uid other than the variable anywhere in the file.
        const inner = JSON.stringify([dash.panels, dash.templating, dash.annotations]);
        const uids = [...inner.matchAll(/"uid":"([^"]*)"/g)].map((m) => m[1]);
        assert.deepEqual(
          uids.filter((u) => u !== '${datasource}'),
          [],
          'hard-coded datasource uid',
        );
      });

      it('shows recovery events as annotations', () => {
        const exprs = (dash.annotations?.list ?? []).map((a) => a.expr ?? '');
        assert.ok(exprs.some((e) => e.includes('flink_recovery_attempts_total')));
        assert.ok(exprs.some((e) => e.includes('flink_recovery_episodes_total')));
      });

      it('selects only metrics flink-guardian exports or the rules record', () => {
        const known = new Set([...selectableMetricNames(), ...recordedNames(loadRules())]);
        for (const { where, expr } of expressions(dash)) {
          const unknown = metricNames(substituteVariables(expr)).filter((n) => !known.has(n));
          assert.deepEqual(unknown, [], `${where}: unknown metric in ${expr}`);
        }
      });
    });
  }

  for (const tool of PROMTOOLS) {
    it(`every dashboard expression parses (${tool.label} check rules on a generated rule file)`, async () => {
      const promtool = tool.path();
      const rules = files.flatMap(({ file, dash }) =>
        expressions(dash).map(({ where, expr }, i) => ({
          record: `grafana_check:${file.replace(/\W/g, '_')}:${i}`,
          expr: substituteVariables(expr),
          labels: { where },
        })),
      );
      assert.ok(rules.length > 20);
      const dir = mkdtempSync(join(tmpdir(), 'fg-grafana-'));
      try {
        const path = join(dir, 'dashboards.rules.yml');
        writeFileSync(path, stringify({ groups: [{ name: 'dashboard-expressions', rules }] }));
        const result = await run(promtool, ['check', 'rules', path]);
        assert.equal(result.code, 0, explain('a dashboard expression does not parse', result));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it(
    "Grafana's dashboard-linter passes, when it is installed",
    {
      skip: hasTool('dashboard-linter')
        ? false
        : 'dashboard-linter not on PATH (go install github.com/grafana/dashboard-linter@latest)',
    },
    async () => {
      for (const { file } of files) {
        const result = await run(requireTool('dashboard-linter'), ['lint', file]);
        assert.equal(result.code, 0, explain(`dashboard-linter ${file}`, result));
      }
    },
  );
});

describe('dashboards as code (grafana/src, @grafana/grafana-foundation-sdk)', () => {
  it('the committed JSON is exactly what the generator writes (run npm run dashboards after a change)', () => {
    const committed = filesIn(DASHBOARDS_DIR, '.json').map((f) => f.slice(DASHBOARDS_DIR.length + 1));
    assert.deepEqual(committed, Object.keys(DASHBOARDS).sort(), 'one generated file per dashboard, nothing else');
    for (const [file, spec] of Object.entries(DASHBOARDS))
      assert.equal(readFileSync(join(DASHBOARDS_DIR, file), 'utf8'), render(spec), `${file} differs from its code`);
  });

  it('every panel links to a runbook section that exists', () => {
    const anchors = new Set(
      readFileSync('docs/runbook.md', 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('## '))
        .map((l) => l.slice(3).trim().toLowerCase()),
    );
    for (const { file, dash } of dashboards()) {
      for (const p of allPanels(dash.panels)) {
        if (p.type === 'row') continue;
        const links = (p.links ?? []) as { title?: string; url?: string }[];
        const url = links.find((l) => l.title === 'Runbook')?.url ?? '';
        const anchor = /docs\/runbook\.md#([a-z0-9-]+)$/.exec(url)?.[1];
        assert.ok(anchor !== undefined && anchors.has(anchor), `${file} panel "${p.title}": runbook link ${url}`);
      }
    }
  });

  it('the job dashboard marks failures and recovery attempts and shows the restore point used', () => {
    const job = dashboards().find((d) => d.dash.uid === 'flink-guardian-job')?.dash;
    assert.ok(job !== undefined);
    const annotations = (job.annotations?.list ?? []).map((a) => String(a.expr));
    assert.ok(annotations.some((e) => e.includes('ALERTS{alertname=~"FlinkJobFailed|FlinkJobMissing"')));
    assert.ok(annotations.some((e) => e.includes('flink_recovery_attempts_total')));
    assert.ok(annotations.some((e) => e.includes('flink_recovery_episodes_total')));
    const restore = allPanels(job.panels).find((p) => p.title === 'Restore point used');
    assert.match(String(restore?.targets?.[0]?.expr), /by \(restore_from, result\)/);
  });
});

describe('grafana provisioning', () => {
  it('provisions a Prometheus datasource whose timeInterval matches the scrape interval', () => {
    const doc = parse(readFileSync('grafana/provisioning/datasources/prometheus.yml', 'utf8')) as {
      apiVersion: number;
      datasources: Json[];
    };
    assert.equal(doc.apiVersion, 1);
    const ds = doc.datasources[0]!;
    assert.equal(ds.type, 'prometheus');
    const prom = parse(readFileSync('prometheus/prometheus.yml', 'utf8')) as {
      scrape_configs: { job_name: string; scrape_interval?: string }[];
    };
    const job = prom.scrape_configs.find((j) => j.job_name === 'flink-guardian');
    assert.equal((ds.jsonData as Json).timeInterval, job?.scrape_interval);
  });

  it('provisions the dashboards from files', () => {
    const doc = parse(readFileSync('grafana/provisioning/dashboards/flink-guardian.yml', 'utf8')) as {
      apiVersion: number;
      providers: Json[];
    };
    assert.equal(doc.apiVersion, 1);
    const provider = doc.providers[0]!;
    assert.equal(provider.type, 'file');
    assert.ok(typeof (provider.options as Json).path === 'string');
  });
});
