// The Helm chart: lint, render with every option on, validate the render against the Kubernetes and Prometheus
// Operator schemas, check the rendered rules with promtool, and run the rendered Deployment with podman.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { elapsed, repoRoot, waitFor } from '../e2e/harness/util.js';
import { exec, execOk, tool } from './harness/exec.js';
import { writeKubeSchemas } from './harness/kube-schemas.js';
import { buildServiceImage, podman, podmanExit, removeAll, runPrefix } from './harness/podman.js';

type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [key: string]: unknown;
};

const CHART = join('deploy', 'helm', 'flink-guardian');
const ALL_ON = [
  '--set',
  'serviceMonitor.enabled=true,prometheusRule.enabled=true,dashboards.enabled=true,alertmanagerConfig.enabled=true',
];

async function render(args: readonly string[], release = 'fg'): Promise<Doc[]> {
  const out = await execOk(tool('helm'), ['template', release, CHART, '--namespace', 'monitoring', ...args], {
    cwd: repoRoot(),
  });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
}

const one = (docs: readonly Doc[], kind: string): Doc => {
  const found = docs.filter((d) => d.kind === kind);
  assert.equal(found.length, 1, `one ${kind} expected, got ${found.length}`);
  return found[0] as Doc;
};

/**
 * The render as podman 4.3's kube play can run it: its Secret volumes crash it (a nil secrets manager), so the
 * Secrets become ConfigMaps with the same content and names; the Deployment is otherwise the rendered one.
 * kube play names the pod after the Deployment: it gets this run's prefix.
 */
function forKubePlay(rendered: readonly Doc[], prefix: string): Doc[] {
  const out: Doc[] = [];
  for (const doc of rendered) {
    if (doc.kind === 'Secret') {
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries((doc.data as Record<string, string> | undefined) ?? {})) {
        data[k] = Buffer.from(v, 'base64').toString('utf8');
      }
      Object.assign(data, doc.stringData ?? {});
      out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: doc.metadata.name }, data });
    }
    if (doc.kind !== 'Deployment') continue;
    const text = JSON.stringify(doc)
      .replaceAll('"secretKeyRef":', '"configMapKeyRef":')
      .replace(/"secret":\{"secretName":("[^"]+")\}/g, '"configMap":{"name":$1}');
    const deployment = JSON.parse(text) as Doc;
    deployment.metadata.name = prefix;
    out.push(deployment);
  }
  return out;
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('Helm chart', () => {
  let dir: string;
  let docs: Doc[];
  const timings: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-helm-'));
    docs = await render(ALL_ON);
  });
  after(async () => {
    process.stdout.write(`# ${timings.join(', ')}\n`);
    await rm(dir, { recursive: true, force: true });
  });

  it('helm lint --strict is clean', async () => {
    const start = performance.now();
    const lint = await exec(tool('helm'), ['lint', '--strict', CHART, ...ALL_ON], { cwd: repoRoot() });
    timings.push(`helm lint ${elapsed(start)} ms`);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    assert.doesNotMatch(lint.stdout, /\[(WARNING|ERROR)\]/);
  });

  it('renders every object, and the render passes kubeconform against strict schemas', async () => {
    assert.deepEqual(docs.map((d) => d.kind).sort(), [
      'AlertmanagerConfig',
      'ConfigMap',
      'ConfigMap',
      'Deployment',
      'PrometheusRule',
      'Secret',
      'Secret',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
    const persisted = await render([...ALL_ON, '--set', 'persistence.enabled=true,webConfig.enabled=true']);
    const kinds = new Map([...docs, ...persisted].map((d) => [`${d.apiVersion} ${d.kind}`, d]));
    const start = performance.now();
    const location = await writeKubeSchemas(
      dir,
      [...kinds.values()].map((d) => ({ apiVersion: d.apiVersion, kind: d.kind })),
    );
    const file = join(dir, 'render.yaml');
    await writeFile(file, [...docs, ...persisted].map((d) => stringify(d)).join('---\n'));
    const result = await exec(tool('kubeconform'), ['-strict', '-summary', '-schema-location', location, file]);
    timings.push(`kubeconform (schemas included) ${elapsed(start)} ms`);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Invalid: 0, Errors: 0, Skipped: 0/);
  });

  it('kubeconform refuses a misspelt field, so the schemas are strict', async () => {
    const deployment = structuredClone(one(docs, 'Deployment'));
    (deployment.spec as Record<string, unknown>).replica = 2;
    const location = await writeKubeSchemas(dir, [{ apiVersion: 'apps/v1', kind: 'Deployment' }]);
    const file = join(dir, 'bad.yaml');
    await writeFile(file, stringify(deployment));
    const result = await exec(tool('kubeconform'), ['-strict', '-schema-location', location, file]);
    assert.notEqual(result.code, 0);
    assert.match(result.stdout, /replica/);
  });

  it('renders the repository rule files themselves, and promtool accepts the rendered groups', async () => {
    const link = resolve(repoRoot(), CHART, 'files', 'rules');
    assert.equal(resolve(join(link, '..'), await readlink(link)), resolve(repoRoot(), 'prometheus', 'rules'));
    const ruleFiles = (await readdir(join(repoRoot(), 'prometheus', 'rules'))).filter((f) => f.endsWith('.yml'));
    const expected: unknown[] = [];
    for (const f of ruleFiles.sort()) {
      const text = await readFile(join(repoRoot(), 'prometheus', 'rules', f), 'utf8');
      expected.push(...(parse(text) as { groups: unknown[] }).groups);
    }
    const spec = one(docs, 'PrometheusRule').spec as { groups: unknown[] };
    assert.deepEqual(spec.groups, expected);
    const file = join(dir, 'rendered-rules.yml');
    await writeFile(file, stringify({ groups: spec.groups }));
    const start = performance.now();
    const check = await exec(tool('promtool3'), ['check', 'rules', file]);
    timings.push(`promtool check rules ${elapsed(start)} ms`);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS/);
  });

  it('helm package stores the content of the linked rules and dashboards', async () => {
    await execOk(tool('helm'), ['package', CHART, '-d', dir], { cwd: repoRoot() });
    const chart = parse(await readFile(join(repoRoot(), CHART, 'Chart.yaml'), 'utf8')) as { version: string };
    const listing = await execOk('tar', ['tzf', join(dir, `flink-guardian-${chart.version}.tgz`)]);
    const rules = (await readdir(join(repoRoot(), 'prometheus', 'rules'))).filter((f) => f.endsWith('.yml'));
    for (const f of rules) assert.ok(listing.includes(`flink-guardian/files/rules/${f}\n`), `${f} not packaged`);
    assert.match(listing, /flink-guardian\/files\/dashboards\/[^\n]+\.json\n/);
  });

  it('dashboards are ConfigMaps for the Grafana sidecar, byte for byte the repository files', async () => {
    const maps = docs.filter((d) => d.kind === 'ConfigMap');
    const files = (await readdir(join(repoRoot(), 'grafana', 'dashboards'))).filter((f) => f.endsWith('.json'));
    assert.equal(maps.length, files.length);
    for (const f of files) {
      const map = maps.find((m) => Object.keys((m.data as Record<string, string>) ?? {}).includes(f));
      assert.ok(map, `no ConfigMap holds ${f}`);
      assert.equal(map.metadata.labels?.grafana_dashboard, '1');
      const text = await readFile(join(repoRoot(), 'grafana', 'dashboards', f), 'utf8');
      assert.equal(sha((map.data as Record<string, string>)[f] ?? ''), sha(text.replace(/\n$/, '')));
    }
  });

  it('the AlertmanagerConfig routes flink_recovery="auto" to the Service with the token the service reads', () => {
    const amc = one(docs, 'AlertmanagerConfig').spec as {
      route: { receiver: string; matchers: { name: string; value: string; matchType: string }[] };
      receivers: {
        name: string;
        webhookConfigs: {
          url: string;
          httpConfig: { authorization: { credentials: { name: string; key: string } } };
        }[];
      }[];
    };
    assert.deepEqual(amc.route.matchers, [{ name: 'flink_recovery', value: 'auto', matchType: '=' }]);
    const hook = amc.receivers.find((r) => r.name === amc.route.receiver)?.webhookConfigs[0];
    assert.ok(hook);
    const service = one(docs, 'Service');
    assert.equal(hook.url, `http://${service.metadata.name}.monitoring.svc:9813/alertmanager`);
    const deployment = one(docs, 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { env: { name: string; valueFrom?: unknown }[] }[] } } };
    };
    const env = deployment.spec.template.spec.containers[0]?.env.find((e) => e.name === 'FLINK_GUARDIAN_WEBHOOK_TOKEN');
    assert.deepEqual(env?.valueFrom, { secretKeyRef: hook.httpConfig.authorization.credentials });
  });

  it('the rendered config.yaml is a valid flink-guardian configuration', () => {
    const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name.endsWith('-config'));
    const text = (secret?.stringData as Record<string, string> | undefined)?.['config.yaml'];
    assert.ok(text);
    const parsed = parseConfig(text, '/etc/flink-guardian', { FLINK_GUARDIAN_WEBHOOK_TOKEN: 't' });
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.equal(parsed.config.listen, '0.0.0.0:9813');
    assert.equal(parsed.config.stateDir, '/var/lib/flink-guardian');
  });

  it('refuses one volume for several replicas', async () => {
    const result = await exec(
      tool('helm'),
      ['template', 'fg', CHART, '--set', 'persistence.enabled=true,replicaCount=2'],
      { cwd: repoRoot() },
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /every replica needs a stateDir of its own/);
  });

  it('the rendered Deployment runs under podman kube play and its probes answer', async () => {
    const image = await buildServiceImage();
    const [repository, tag] = image.split(/:(?=[^:]+$)/);
    const prefix = runPrefix('helm');
    // The release is named after this run: kube play makes a volume per ConfigMap, named after it.
    const rendered = await render(
      ['--set', `image.repository=${repository},image.tag=${tag},image.pullPolicy=Never`],
      prefix,
    );
    const volumes = rendered.filter((d) => d.kind === 'Secret').map((d) => d.metadata.name);
    const file = join(dir, 'kube.yaml');
    await writeFile(
      file,
      forKubePlay(rendered, prefix)
        .map((d) => stringify(d))
        .join('---\n'),
    );
    const start = performance.now();
    // podman 4.3 names a Deployment's pod <name>-pod-0.
    const pod = `${prefix}-pod-0`;
    try {
      await podman(['kube', 'play', file]);
      const container = `${pod}-flink-guardian`;
      const probe = (path: string) =>
        podman([
          'exec',
          container,
          '/usr/local/bin/node',
          '-e',
          `fetch('http://127.0.0.1:9813${path}')` +
            `.then(async (r) => process.stdout.write(r.status + ' ' + (await r.text())))`,
        ]);
      const ready = await waitFor(async () => (await probe('/readyz')).startsWith('200') && 'ready', 120_000, {
        what: 'readyz inside the kube play pod',
      }).catch(async (err: unknown) => {
        const logs = await podmanExit(['logs', '--tail', '30', container]);
        const ps = await podmanExit(['ps', '-a', '--filter', `pod=${pod}`, '--format', '{{.Names}} {{.Status}}']);
        throw new Error(`${String(err)}\n${ps.stdout}\ncontainer log:\n${logs.stdout}${logs.stderr}`);
      });
      assert.equal(ready, 'ready');
      assert.match(await probe('/healthz'), /^200 ok/);
      // The kubelet calls httpGet probes itself; podman 4.3 turns them into a curl command in the container,
      // which the image does not have: the probes' paths are called from inside the pod instead (above).
      const user = (await podman(['exec', container, 'id', '-u'])).trim();
      assert.equal(user, '65532');
      timings.push(`kube play to ready ${elapsed(start)} ms`);
    } finally {
      await podmanExit(['kube', 'down', file]);
      await removeAll({ pods: [pod], volumes });
    }
  });
});
