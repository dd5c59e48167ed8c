// The availability SLO against Sloth, the generator these multi-window, multi-burn-rate alerts follow. Sloth
// generates from prometheus/slo/; the test shows that its alerts have our windows, burn rates and objective, that
// both page for a job that stays down, and why the shipped alert is not Sloth's output: Sloth's pages on every new
// job's first start, whose few seconds of INITIALIZING fill a nearly empty window.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { PROMTOOLS, RULES_DIR, type RuleGroup, explain, filesIn, requireProvisionedTool, run } from './tools.js';

const SPEC = 'prometheus/slo/flink-job-availability.sloth.yml';
const ALERT = 'FlinkJobAvailabilityBudgetBurn';

/** (window, burn rate) pairs of a multi-window alert, sorted, e.g. ["1h x14.4", "5m x14.4"]. */
function slothPairs(expr: string): string[] {
  return [...expr.matchAll(/ratio_rate(\w+)\{[^}]*\} > \(([\d.]+) \* [\d.]+\)/g)].map((m) => `${m[1]} x${m[2]}`).sort();
}

function ourPairs(expr: string): string[] {
  return [...expr.matchAll(/ratio_(\w+)\) \/ \(1 - 0\.999\) > ([\d.]+)/g)].map((m) => `${m[1]} x${m[2]}`).sort();
}

/** Sloth's output for the spec, in a temporary folder. */
async function generate(dir: string): Promise<{ file: string; groups: RuleGroup[] }> {
  const file = join(dir, 'sloth-generated.yml');
  const result = await run(requireProvisionedTool('sloth'), ['generate', '--no-log', '-i', SPEC, '-o', file]);
  assert.equal(result.code, 0, explain(`sloth generate ${SPEC} failed`, result));
  return { file, groups: (parse(readFileSync(file, 'utf8')) as { groups: RuleGroup[] }).groups };
}

const SLOTH_LABELS = {
  slo: 'flink-job-availability',
  sloth_id: 'flink-job-availability',
  sloth_service: 'flink-job',
  sloth_slo: 'availability',
};

function slothAlert(severity: 'page' | 'ticket', jobName: string): Record<string, unknown> {
  return {
    exp_labels: {
      ...SLOTH_LABELS,
      severity: severity === 'page' ? 'critical' : 'warning',
      slo_alert: severity,
      sloth_severity: severity,
      cluster: 'prod',
      job_name: jobName,
    },
    exp_annotations: {
      summary: 'flink-job availability SLO error budget burn rate is over expected.',
      title: `(${severity}) flink-job availability SLO error budget burn rate is too fast.`,
    },
  };
}

/** The same two inputs for Sloth's rules and ours: a job that stays down, and a new job's first start. */
function promtoolTests(ruleFiles: string[], expectations: 'sloth' | 'ours'): string {
  const down = {
    name: 'a job RUNNING for 40 minutes, then down for good',
    interval: '30s',
    input_series: [
      {
        series: 'flink_job_up{job="flink-guardian",instance="g1:9813",cluster="prod",job_name="orders"}',
        values: '1x80 0x40',
      },
      { series: 'flink_cluster_up{job="flink-guardian",instance="g1:9813",cluster="prod"}', values: '1x120' },
    ],
    alert_rule_test: [
      {
        eval_time: '58m',
        alertname: ALERT,
        exp_alerts: [slothAlert('page', 'orders'), slothAlert('ticket', 'orders')],
      },
    ],
  };
  const firstStart = {
    name: "a new job's first start: 30 s INITIALIZING, then RUNNING",
    interval: '10s',
    input_series: [
      {
        series: 'flink_job_up{job="flink-guardian",instance="g1:9813",cluster="prod",job_name="fresh"}',
        values: '0x2 1x100',
      },
      {
        series:
          'flink_job_state{job="flink-guardian",instance="g1:9813",cluster="prod",job_name="fresh",' +
          'state="INITIALIZING"}',
        values: '1x2 0x100',
      },
      { series: 'flink_cluster_up{job="flink-guardian",instance="g1:9813",cluster="prod"}', values: '1x100' },
    ],
    alert_rule_test: [
      {
        eval_time: '3m',
        alertname: ALERT,
        exp_alerts: expectations === 'sloth' ? [slothAlert('page', 'fresh'), slothAlert('ticket', 'fresh')] : [],
      },
    ],
  };
  // For ours, the job that stays down is the first case of test/rules/promtool/slo.test.yml (the same input).
  const tests = expectations === 'sloth' ? [down, firstStart] : [firstStart];
  return stringify({ rule_files: ruleFiles, evaluation_interval: '10s', tests });
}

describe('availability SLO and Sloth', () => {
  it(`Sloth generates ${SPEC} with the windows, burn rates, objective and names of ${ALERT}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fg-sloth-'));
    try {
      const { groups } = await generate(dir);
      const sloth = groups.flatMap((g) => g.rules).filter((r) => r.alert === ALERT);
      const ours = (
        parse(readFileSync(join(RULES_DIR, 'flink-guardian-slo.yml'), 'utf8')) as { groups: RuleGroup[] }
      ).groups
        .flatMap((g) => g.rules)
        .filter((r) => r.alert === ALERT);
      for (const severity of ['page', 'ticket']) {
        const s = sloth.find((r) => r.labels?.slo_alert === severity);
        const o = ours.find((r) => r.labels?.slo_alert === severity);
        assert.ok(s !== undefined && o !== undefined, `a ${severity} alert in both`);
        assert.deepEqual(slothPairs(s.expr), ourPairs(o.expr), `${severity}: windows and burn rates`);
        assert.equal(s.labels?.severity, o.labels?.severity);
      }
      const objective = groups.flatMap((g) => g.rules).find((r) => r.record === 'slo:objective:ratio');
      assert.match(objective?.expr ?? '', /vector\(0\.999/, 'objective 99.9%');
      // Sloth reads the indicator our recording rules write.
      const recorded = filesIn(RULES_DIR, '.yml').flatMap((f) =>
        (parse(readFileSync(f, 'utf8')) as { groups: RuleGroup[] }).groups.flatMap((g) => g.rules),
      );
      assert.ok(recorded.some((r) => r.record === 'cluster_job_name:flink_job_availability:sli'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const tool of PROMTOOLS) {
    it(`both page for a job that stays down; only Sloth's pages on a first start (${tool.label})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fg-sloth-'));
      try {
        const { file } = await generate(dir);
        const recording = resolve(RULES_DIR, 'flink-guardian-recording.yml');
        const slothTests = join(dir, 'sloth.test.yml');
        writeFileSync(slothTests, promtoolTests([recording, file], 'sloth'));
        const oursTests = join(dir, 'ours.test.yml');
        writeFileSync(oursTests, promtoolTests([recording, resolve(RULES_DIR, 'flink-guardian-slo.yml')], 'ours'));
        for (const tests of [slothTests, oursTests]) {
          const result = await run(tool.path(), ['test', 'rules', tests], 110_000);
          assert.equal(result.code, 0, explain(`promtool test rules ${tests}\n${readFileSync(tests, 'utf8')}`, result));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
