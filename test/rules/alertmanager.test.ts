// alertmanager/alertmanager.yml, checked with the real amtool: syntax, and where each kind of alert goes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { REFERENCE_ALERTS, RECOVERY_ALERTS } from './metric-names.js';
import { AMTOOLS, type ToolVersion, alertNames, explain, loadRules, run } from './tools.js';

const CONFIG = 'alertmanager/alertmanager.yml';
const WEBHOOK = 'flink-guardian';

/** Asserts the receivers a label set is routed to, with amtool's own verification. */
async function routesTo(tool: ToolVersion, labels: Record<string, string>, receivers: string[]): Promise<void> {
  const amtool = tool.path();
  const args = ['config', 'routes', 'test', `--config.file=${CONFIG}`, `--verify.receivers=${receivers.join(',')}`];
  for (const [k, v] of Object.entries(labels)) args.push(`${k}=${v}`);
  const result = await run(amtool, args);
  assert.equal(
    result.code,
    0,
    explain(`${JSON.stringify(labels)} should reach exactly ${receivers.join(',')}`, result),
  );
  assert.equal(result.stdout.trim(), receivers.join(','));
}

// Routing is checked with Alertmanager 0.25's amtool and a current one: the file must mean the same to both.
for (const tool of AMTOOLS) {
  describe(`alertmanager routing (${tool.label})`, () => {
    it('amtool check-config accepts it', async () => {
      const result = await run(tool.path(), ['check-config', CONFIG]);
      assert.equal(result.code, 0, explain('amtool check-config failed', result));
    });

    for (const alertname of RECOVERY_ALERTS) {
      it(`${alertname} reaches the flink-guardian webhook and the on-call people`, async () => {
        await routesTo(
          tool,
          { alertname, cluster: 'prod', job_name: 'orders', severity: 'critical', flink_recovery: 'auto' },
          [WEBHOOK, 'oncall-page'],
        );
      });
    }

    it('every other alert reaches people only, by its severity', async () => {
      const rules = loadRules();
      for (const alertname of alertNames(rules).filter((a) => !(RECOVERY_ALERTS as readonly string[]).includes(a))) {
        for (const rule of rules.filter((r) => r.alert === alertname)) {
          const severity = rule.labels?.severity ?? '';
          const receiver = severity === 'critical' ? 'oncall-page' : 'oncall-ticket';
          await routesTo(tool, { alertname, cluster: 'prod', job_name: 'orders', ...rule.labels }, [receiver]);
        }
      }
    });

    it('an alert without flink_recovery="auto" never reaches the webhook, whatever else it carries', async () => {
      await routesTo(tool, { alertname: 'FlinkJobFailed', cluster: 'prod', job_name: 'orders', severity: 'critical' }, [
        'oncall-page',
      ]);
      await routesTo(
        tool,
        {
          alertname: 'FlinkJobFailed',
          cluster: 'prod',
          job_name: 'orders',
          severity: 'critical',
          flink_recovery: 'manual',
        },
        ['oncall-page'],
      );
      await routesTo(tool, { alertname: 'SomethingElse' }, ['team-chat']);
    });
  });
}

describe('alertmanager configuration', () => {
  it('the webhook route groups per job, starts fast and sends resolved notifications with credentials', () => {
    const doc = parse(readFileSync(CONFIG, 'utf8')) as {
      route: {
        routes: {
          receiver: string;
          matchers?: string[];
          group_by?: string[];
          group_wait?: string;
          group_interval?: string;
          continue?: boolean;
        }[];
      };
      receivers: {
        name: string;
        webhook_configs?: {
          url: string;
          send_resolved?: boolean;
          http_config?: { authorization?: { type?: string; credentials_file?: string } };
        }[];
      }[];
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    };
    const route = doc.route.routes[0]!;
    assert.equal(route.receiver, WEBHOOK, 'the webhook route must come first (it continues to the others)');
    assert.deepEqual(route.matchers, ['flink_recovery="auto"']);
    assert.deepEqual(route.group_by, ['cluster', 'job_name']);
    assert.equal(route.continue, true);
    assert.match(route.group_wait ?? '', /^[0-5]s$/);
    assert.match(route.group_interval ?? '', /^\d+s$/);
    const webhook = doc.receivers.find((r) => r.name === WEBHOOK)?.webhook_configs?.[0];
    assert.ok(webhook);
    assert.equal(webhook.url, 'http://127.0.0.1:9813/alertmanager');
    assert.equal(webhook.send_resolved, true);
    assert.equal(webhook.http_config?.authorization?.type, 'Bearer');
    assert.ok(webhook.http_config?.authorization?.credentials_file, 'the token comes from a credentials_file');
    const clusterDown = doc.inhibit_rules.find((r) => r.source_matchers.includes('alertname="FlinkClusterDown"'));
    assert.ok(clusterDown, 'FlinkClusterDown must inhibit the per-job alerts');
    assert.deepEqual(clusterDown.equal, ['cluster']);
  });

  it('marks every value a test harness may shorten or rewrite', () => {
    const lines = readFileSync(CONFIG, 'utf8').split('\n');
    for (const line of lines) {
      if (/^\s*(group_wait|group_interval|repeat_interval):/.test(line))
        assert.match(line, /# e2e: may shorten$/, line);
      if (/^\s*-?\s*(url|credentials_file):/.test(line)) assert.match(line, /# e2e: rewrite$/, line);
    }
    // In prometheus.yml a harness rewrites addresses only: the intervals it runs with are the shipped ones.
    const marked = readFileSync('prometheus/prometheus.yml', 'utf8')
      .split('\n')
      .filter((l) => l.includes('# e2e:'));
    assert.deepEqual(
      marked.map((l) => l.trim()),
      ['- 127.0.0.1:9093 # e2e: address', '- 127.0.0.1:9813 # e2e: address'],
    );
  });

  it('knows every documented alert (sanity of the shared list)', () => {
    assert.equal(new Set(REFERENCE_ALERTS).size, 14);
  });
});
