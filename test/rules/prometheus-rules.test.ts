// The Prometheus side, checked with the real promtool: syntax, configuration, the unit tests in
// test/rules/promtool/*.yml, and the properties docs/reference.md and the runbook depend on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { REFERENCE_ALERTS, RECOVERY_ALERTS } from './metric-names.js';
import {
  PROMTOOLS,
  PROMTOOL_TESTS_DIR,
  RULES_DIR,
  type RuleGroup,
  alertNames,
  explain,
  filesIn,
  loadRules,
  run,
} from './tools.js';

const RUNBOOK = 'docs/runbook.md';
const RUNBOOK_URL = 'https://github.com/flink-guardian/flink-guardian/blob/main/docs/runbook.md#';

// Every check runs with both promtools: Prometheus 3's range selectors are left-open, so a window can hold one
// sample fewer than on Prometheus 2, and the rules and their tests must give the same alerts on both.
for (const tool of PROMTOOLS) {
  describe(`prometheus rules and configuration (${tool.label})`, () => {
    it('promtool check rules accepts every rule file', async () => {
      const files = filesIn(RULES_DIR, '.yml', '.yaml');
      assert.ok(files.length > 0, `no rule files in ${RULES_DIR}`);
      const result = await run(tool.path(), ['check', 'rules', ...files]);
      assert.equal(result.code, 0, explain('promtool check rules failed', result));
    });

    it('promtool check config accepts prometheus/prometheus.yml and finds the rule files', async () => {
      const result = await run(tool.path(), ['check', 'config', 'prometheus/prometheus.yml']);
      assert.equal(result.code, 0, explain('promtool check config failed', result));
      const output = result.stdout + result.stderr;
      for (const file of filesIn(RULES_DIR, '.yml')) {
        assert.match(
          output,
          new RegExp(`Checking prometheus/${file.slice('prometheus/'.length)}`),
          `rule file ${file} not loaded by the config`,
        );
      }
    });
  });

  // One promtool run per file, in parallel: the SLO file alone evaluates hours of series.
  describe(`promtool test rules (${tool.label})`, { concurrency: true }, () => {
    const files = filesIn(PROMTOOL_TESTS_DIR, '.yml', '.yaml');
    it('has unit test files', () => assert.ok(files.length > 0, `no promtool tests in ${PROMTOOL_TESTS_DIR}`));
    for (const file of files) {
      it(`passes ${file}`, { timeout: 120_000 }, async () => {
        const result = await run(tool.path(), ['test', 'rules', file], 110_000);
        assert.equal(result.code, 0, explain(`promtool test rules ${file} failed`, result));
      });
    }
  });
}

/** A Prometheus duration in seconds (the units the rules use). */
function seconds(d: string): number {
  let total = 0;
  for (const [, n, u] of d.matchAll(/(\d+)(ms|s|m|h)/g))
    total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[u as 'ms' | 's' | 'm' | 'h'];
  return total;
}

type PrometheusConfig = {
  global?: { scrape_interval?: string; evaluation_interval?: string; scrape_timeout?: string };
  scrape_configs: { job_name: string; scrape_interval?: string; scrape_timeout?: string }[];
};

type PromtoolTestFile = {
  rule_files: string[];
  group_eval_order?: string[];
  tests: {
    name: string;
    alert_rule_test?: { alertname: string; exp_alerts?: { exp_labels?: Record<string, string> }[] }[];
  }[];
};

function promtoolTests(): { file: string; doc: PromtoolTestFile }[] {
  return filesIn(PROMTOOL_TESTS_DIR, '.yml').map((file) => ({
    file,
    doc: parse(readFileSync(file, 'utf8')) as PromtoolTestFile,
  }));
}

describe('coverage of the alerts', () => {
  const rules = loadRules();
  const alerts = alertNames(rules);

  it('defines every alert the reference names', () => {
    const missing = REFERENCE_ALERTS.filter((a) => !alerts.includes(a));
    assert.deepEqual(missing, [], `alerts named in the reference but not defined in ${RULES_DIR}`);
  });

  it('defines no alert outside the reference', () => {
    const extra = alerts.filter((a) => !(REFERENCE_ALERTS as readonly string[]).includes(a));
    assert.deepEqual(extra, [], 'alerts not named in docs/reference.md (add them there first)');
  });

  it('has, for every alert, a promtool case where it fires and one where it stays silent', () => {
    const fires = new Set<string>();
    const silent = new Set<string>();
    for (const { doc } of promtoolTests()) {
      for (const test of doc.tests) {
        for (const case_ of test.alert_rule_test ?? []) {
          if ((case_.exp_alerts ?? []).length > 0) fires.add(case_.alertname);
          else silent.add(case_.alertname);
        }
      }
    }
    assert.deepEqual(
      alerts.filter((a) => !fires.has(a)),
      [],
      'alerts without a promtool case in which they fire',
    );
    assert.deepEqual(
      alerts.filter((a) => !silent.has(a)),
      [],
      'alerts without a promtool case in which they stay silent',
    );
  });

  it('every promtool test file loads every rule file and orders recording groups before alerts', () => {
    const ruleFiles = filesIn(RULES_DIR, '.yml')
      .map((f) => f.slice('prometheus/rules/'.length))
      .sort();
    const groups = [...new Set(rules.map((r) => r.group))].sort();
    for (const { file, doc } of promtoolTests()) {
      const loaded = doc.rule_files.map((f) => f.replace(/^(\.\.\/)+prometheus\/rules\//, '')).sort();
      assert.deepEqual(loaded, ruleFiles, `${file} does not load exactly the rule files`);
      assert.deepEqual(
        [...(doc.group_eval_order ?? [])].sort(),
        groups,
        `${file}: group_eval_order must list every rule group`,
      );
    }
  });

  it('the recovery alerts carry the documented labels, and only they have flink_recovery', () => {
    for (const rule of rules.filter((r) => r.alert !== undefined)) {
      const recovery = (RECOVERY_ALERTS as readonly string[]).includes(rule.alert!);
      if (recovery) {
        assert.equal(rule.labels?.severity, 'critical', `${rule.alert}: severity`);
        assert.equal(rule.labels?.flink_recovery, 'auto', `${rule.alert}: flink_recovery`);
        assert.match(rule.expr, /by \(cluster, job_name\)/, `${rule.alert} must keep cluster and job_name`);
      } else {
        assert.equal(rule.labels?.flink_recovery, undefined, `${rule.alert} must not trigger recovery`);
      }
    }
  });

  it('the recovery alerts wait at most 15s and watch only FAILED (never CANCELED/FINISHED)', () => {
    for (const name of RECOVERY_ALERTS) {
      const rule = rules.find((r) => r.alert === name);
      assert.ok(rule, name);
      assert.ok(seconds(rule.for ?? '0s') <= 15, `${name}: for ${rule.for} is too long for recovery`);
      assert.doesNotMatch(rule.expr, /CANCELED|FINISHED|SUSPENDED/, `${name} must not select deliberate stops`);
    }
    assert.match(rules.find((r) => r.alert === 'FlinkJobFailed')!.expr, /state="FAILED"/);
  });

  it('sets every interval on its own job and groups, leaving the global ones at their defaults', () => {
    const prom = parse(readFileSync('prometheus/prometheus.yml', 'utf8')) as PrometheusConfig;
    for (const key of ['scrape_interval', 'evaluation_interval', 'scrape_timeout'] as const)
      assert.equal(prom.global?.[key], undefined, `prometheus.yml: global.${key} must stay the user's`);
    const job = prom.scrape_configs.find((j) => j.job_name === 'flink-guardian');
    assert.ok(job?.scrape_interval !== undefined && job.scrape_timeout !== undefined, 'the job sets both');
    assert.ok(seconds(job.scrape_timeout) < seconds(job.scrape_interval), 'scrape_timeout below scrape_interval');
    for (const file of filesIn(RULES_DIR, '.yml')) {
      const doc = parse(readFileSync(file, 'utf8')) as { groups: RuleGroup[] };
      for (const group of doc.groups)
        assert.ok(group.interval !== undefined, `${file}: group ${group.name} needs its own interval`);
    }
  });

  it('the shipped settings start a recovery within 7s of FAILED at worst, leaving Flink 3s of the 10s p90', () => {
    const prom = parse(readFileSync('prometheus/prometheus.yml', 'utf8')) as PrometheusConfig;
    const scrape = seconds(prom.scrape_configs.find((j) => j.job_name === 'flink-guardian')?.scrape_interval ?? '1m');
    const doc = parse(readFileSync(`${RULES_DIR}/flink-guardian-recovery.yml`, 'utf8')) as { groups: RuleGroup[] };
    const evaluation = seconds(doc.groups[0]?.interval ?? '1m');
    const hold = seconds(rules.find((r) => r.alert === 'FlinkJobFailed')?.for ?? '0s');
    const am = parse(readFileSync('alertmanager/alertmanager.yml', 'utf8')) as {
      route: { routes: { receiver: string; group_wait?: string }[] };
    };
    const groupWait = seconds(am.route.routes.find((r) => r.receiver === 'flink-guardian')?.group_wait ?? '30s');
    const worst = scrape + evaluation + hold + groupWait;
    assert.ok(worst <= 7, `scrape ${scrape}s + evaluation ${evaluation}s + for ${hold}s + group_wait ${groupWait}s`);
  });

  it('every alert has a severity, a summary, a description and a runbook_url to an existing runbook section', () => {
    assert.ok(existsSync(RUNBOOK), `${RUNBOOK} is missing`);
    const anchors = new Set(
      readFileSync(RUNBOOK, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('## '))
        .map((l) =>
          l
            .slice(3)
            .trim()
            .toLowerCase()
            .replace(/[^a-z0-9 _-]/g, '')
            .replace(/ /g, '-'),
        ),
    );
    for (const rule of rules.filter((r) => r.alert !== undefined)) {
      const name = rule.alert!;
      assert.ok(
        ['critical', 'warning'].includes(rule.labels?.severity ?? ''),
        `${name}: severity must be critical or warning`,
      );
      assert.ok((rule.annotations?.summary ?? '').length > 10, `${name}: summary`);
      assert.ok((rule.annotations?.description ?? '').length > 40, `${name}: description`);
      const url = rule.annotations?.runbook_url ?? '';
      assert.equal(url, RUNBOOK_URL + name.toLowerCase(), `${name}: runbook_url`);
      assert.ok(anchors.has(name.toLowerCase()), `${RUNBOOK} has no "## ${name}" section`);
    }
  });

  it('rule groups have unique names and recording rules unique series', () => {
    const groups = new Map<string, string>();
    for (const rule of rules) {
      const seen = groups.get(rule.group);
      assert.ok(seen === undefined || seen === rule.file, `group ${rule.group} defined in ${seen} and ${rule.file}`);
      groups.set(rule.group, rule.file);
    }
    const records = rules.flatMap((r) => (r.record ? [r.record] : []));
    assert.equal(new Set(records).size, records.length, 'a recorded series is defined twice');
  });
});
