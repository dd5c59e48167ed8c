// The metric-name extraction itself, and the rules' expressions against the exported metrics.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metricNames } from './promql.js';
import { selectableMetricNames } from './metric-names.js';
import { loadRules, recordedNames } from './tools.js';

describe('metricNames', () => {
  it('finds plain selectors and ignores label matchers and strings', () => {
    assert.deepEqual(metricNames('flink_job_state{state="FAILED", cluster=~"a|b"} == 1'), ['flink_job_state']);
    assert.deepEqual(metricNames('{__name__="x"}'), []);
  });

  it('ignores functions, aggregations, grouping labels and keywords', () => {
    assert.deepEqual(
      metricNames(
        'max by (cluster, job_name) (increase(a_total[15m])) > 2 or sum without (instance) (rate(b[5m] offset 1h)) ' +
          'and on (cluster) group_left (x) c',
      ),
      ['a_total', 'b', 'c'],
    );
    assert.deepEqual(metricNames('sum(rate(x[5m])) by (job) / ignoring (le) y'), ['x', 'y']);
    assert.deepEqual(metricNames('histogram_quantile(0.9, sum by (le) (rate(h_bucket[1h])))'), ['h_bucket']);
    assert.deepEqual(metricNames('time() - m > bool 600'), ['m']);
    assert.deepEqual(metricNames('absent(up{job="flink-guardian"})'), ['up']);
  });

  it('keeps recording rule names with colons and numbers with exponents or durations out', () => {
    assert.deepEqual(metricNames('(1 - a:b:ratio_1h) / (1 - 0.999) > 1.44e1'), ['a:b:ratio_1h']);
    assert.deepEqual(metricNames('avg_over_time(x[1h30m:1m]) * 60'), ['x']);
    assert.deepEqual(metricNames('present_over_time(z[1h] offset 30m)'), ['z']);
  });
});

describe('rule expressions', () => {
  it('select only exported, Prometheus or recorded series', () => {
    const rules = loadRules();
    const known = new Set([...selectableMetricNames(), ...recordedNames(rules)]);
    for (const rule of rules) {
      const unknown = metricNames(rule.expr).filter((n) => !known.has(n));
      assert.deepEqual(unknown, [], `${rule.alert ?? rule.record} in ${rule.file} selects unknown metrics`);
    }
  });

  it('use every recorded series somewhere or document it as a dashboard indicator', () => {
    const rules = loadRules();
    const used = new Set(rules.flatMap((r) => metricNames(r.expr)));
    // Recorded series no rule reads are for the dashboards; make sure they do read them.
    const unusedByRules = recordedNames(rules).filter((n) => !used.has(n));
    assert.ok(unusedByRules.length < recordedNames(rules).length);
  });
});
