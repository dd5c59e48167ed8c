import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFile } from 'node:fs/promises';
import { parseConfig, loadConfig } from '../../../src/config/load.js';
import { parseDuration, formatDuration } from '../../../src/config/duration.js';
import { expandString } from '../../../src/config/env.js';

const minimal = `
clusters:
  - name: prod
    url: http://127.0.0.1:8081
webhook:
  bearerToken: secret
`;

function issuesOf(text: string, env: Record<string, string> = {}) {
  const result = parseConfig(text, '/etc/guardian', env);
  assert.equal(result.ok, false, 'expected the configuration to be rejected');
  return result.ok ? [] : result.issues;
}

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const result = parseConfig(minimal, '/etc/guardian', {});
    assert.ok(result.ok);
    const { config } = result;
    assert.equal(config.listen, '127.0.0.1:9813');
    assert.equal(config.stateDir, '/etc/guardian/data');
    assert.equal(config.recovery.maxAttempts, 3);
    assert.equal(config.recovery.cooldown, 300_000);
    assert.equal(config.recovery.resetAfter, 600_000);
    assert.equal(config.recovery.verifyTimeout, 120_000);
    assert.equal(config.recovery.onNoCheckpoint, 'fresh');
    assert.equal(config.clusters[0]?.requestTimeout, 10_000);
    assert.deepEqual(config.jobs, []);
  });

  it('lists every problem with its path, not only the first', () => {
    const issues = issuesOf(`
listen: nowhere
clusters:
  - name: prod
    url: http://127.0.0.1:8081
  - name: prod
    url: ftp://flink
    concurrency: 0
webhook: {}
recovery:
  maxAtempts: 3
  cooldown: five minutes
jobs:
  - cluster: staging
    name: orders
    jar: /opt/orders.jar
`);
    const paths = issues.map((i) => i.path).sort();
    assert.deepEqual(
      paths,
      [
        'clusters[1].concurrency',
        'clusters[1].name',
        'clusters[1].url',
        'jobs[0].cluster',
        'listen',
        'recovery',
        'recovery.cooldown',
        'webhook',
      ].sort(),
    );
  });

  it('checks that jobs name configured clusters and are unique', () => {
    const issues = issuesOf(`${minimal}
jobs:
  - cluster: staging
    name: orders
    jar: /opt/orders.jar
  - cluster: prod
    name: orders
    jar: /opt/orders.jar
  - cluster: prod
    name: orders
    jar: /opt/orders.jar
`);
    assert.deepEqual(
      issues.map((i) => `${i.path}: ${i.message}`),
      [
        'jobs[0].cluster: no cluster named "staging" (known: prod)',
        'jobs[2].name: duplicate job "orders" on cluster "prod"',
      ],
    );
  });

  it('rejects unknown keys, naming them', () => {
    const issues = issuesOf(`${minimal}\nrecovery:\n  maxAtempts: 5\n`);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.path, 'recovery');
    assert.match(issues[0]?.message ?? '', /maxAtempts/);
  });

  it('expands ${VAR} from the environment and reports unset ones with their path', () => {
    const text = minimal.replace('secret', '${GUARDIAN_TOKEN}');
    const ok = parseConfig(text, '/x', { GUARDIAN_TOKEN: 's3cret' });
    assert.ok(ok.ok);
    assert.equal(ok.config.webhook.bearerToken, 's3cret');
    const issues = issuesOf(text);
    assert.equal(issues[0]?.path, 'webhook.bearerToken');
    assert.match(issues[0]?.message ?? '', /GUARDIAN_TOKEN is not set/);
  });

  it('needs exactly one kind of webhook credentials', () => {
    assert.equal(
      issuesOf(minimal.replace('bearerToken: secret', 'basicAuth: {username: a, password: b}\n  bearerToken: c'))[0]
        ?.path,
      'webhook',
    );
    const basic = parseConfig(
      minimal.replace('bearerToken: secret', 'basicAuth: {username: am, password: pw}'),
      '/x',
      {},
    );
    assert.ok(basic.ok);
  });

  it('resolves relative paths against the configuration file', () => {
    const result = parseConfig(
      `${minimal}stateDir: state\njobs:\n  - {cluster: prod, name: a, jar: jobs/a.jar}\n`,
      '/etc/guardian',
      {},
    );
    assert.ok(result.ok);
    assert.equal(result.config.stateDir, '/etc/guardian/state');
    assert.equal(result.config.jobs[0]?.jar, '/etc/guardian/jobs/a.jar');
  });

  it('turns YAML syntax errors into issues', () => {
    const issues = issuesOf('clusters: [\n');
    assert.match(issues[0]?.message ?? '', /^YAML: /);
  });

  it('accepts the example configuration the README and npm start use', async () => {
    const result = await loadConfig('examples/config.yaml', {});
    assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.issues));
    assert.equal(result.config.clusters[0]?.url, 'http://127.0.0.1:8081');
  });

  it('says when the file cannot be read', async () => {
    const result = await loadConfig('/nonexistent/guardian.yaml', {});
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : (result.issues[0]?.message ?? ''), /cannot read \/nonexistent\/guardian.yaml/);
  });
});

describe('durations', () => {
  for (const [text, ms] of [
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
  ] as const) {
    it(`parses ${text}`, () => {
      assert.equal(parseDuration(text), ms);
      assert.equal(parseDuration(formatDuration(ms)), ms);
    });
  }
  for (const bad of ['', '5', 'm', '5 m', '-5s', '1.5h', '5min']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseDuration(bad), undefined));
  }
});

describe('environment expansion', () => {
  it('uses defaults, keeps escapes and reports every missing name', () => {
    assert.deepEqual(expandString('${A:-x}-${B}-$${C}-${D}', { B: 'b' }), { value: 'x-b-${C}-', missing: ['D'] });
  });
});

describe('published JSON Schema', () => {
  it('is the one the zod schema generates (run `npm run schema` after changing the schema)', async () => {
    const { configJsonSchema } = await import('../../../src/config/json-schema.js');
    const published = JSON.parse(await readFile('config.schema.json', 'utf8')) as unknown;
    assert.deepEqual(published, configJsonSchema());
  });
});

describe('command-line overrides', () => {
  it('replace the file and are validated like it', () => {
    const ok = parseConfig(minimal, '/x', {}, { listen: '0.0.0.0:9999', logLevel: 'debug' });
    assert.ok(ok.ok);
    assert.equal(ok.config.listen, '0.0.0.0:9999');
    assert.equal(ok.config.logLevel, 'debug');
    const bad = parseConfig(minimal, '/x', {}, { listen: 'nine' });
    assert.equal(bad.ok, false);
    assert.equal(bad.ok ? '' : bad.issues[0]?.path, 'listen');
  });
});
