/**
 * The built command, run as a user runs it (`bin/flink-guardian.js`), against the Flink simulator: the
 * command line, refusal on bad configuration and corrupt state, the metric surface of docs/reference.md,
 * a recovery driven by a webhook call, and a graceful stop on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { startFlinkSimulator, type FlinkSimulator } from '../support/flink-sim/simulator.js';
import { EXPORTED_METRICS } from '../rules/metric-names.js';
import { readJobMemory } from '../../src/state/job-memory-on-disk.js';

const BIN = 'bin/flink-guardian.js';
const TOKEN = 'integration-token';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runToEnd(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `serve` and resolves with the process and its bound address once it logs that it serves. */
function serve(config: string, extra: string[] = []): Promise<{ child: ChildProcess; base: string; logs: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--config', config, '--listen', '127.0.0.1:0', ...extra]);
    const logs: string[] = [];
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      const entry = JSON.parse(line) as { msg?: string; address?: string };
      if (entry.msg === 'flink-guardian serving') resolve({ child, base: `http://${entry.address}`, logs });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Writes a configuration for `sim` at `file`, with the job's jar beside it (serve checks that it is readable). */
async function writeConfig(file: string, sim: FlinkSimulator, stateDir: string): Promise<void> {
  const jar = join(dirname(file), 'orders.jar');
  await writeFile(jar, 'PK');
  await writeFile(file, configText(sim, stateDir, jar));
}

function configText(sim: FlinkSimulator, stateDir: string, jar: string): string {
  return `
stateDir: ${stateDir}
logLevel: info
clusters:
  - name: prod
    url: ${sim.url}
    requestTimeout: 2s
webhook:
  bearerToken: \${GUARDIAN_TEST_TOKEN:-${TOKEN}}
recovery:
  maxAttempts: 2
  cooldown: 200ms
  resetAfter: 300ms
  verifyTimeout: 5s
jobs:
  - cluster: prod
    name: orders
    jar: ${jar}
    entryClass: com.example.Orders
    args: ["--env", "test"]
    parallelism: 2
`;
}

function alert(status: 'firing' | 'resolved') {
  const labels = {
    alertname: 'FlinkJobFailed',
    cluster: 'prod',
    job_name: 'orders',
    severity: 'critical',
    flink_recovery: 'auto',
  };
  return {
    version: '4',
    groupKey: '{}/{flink_recovery="auto"}:{cluster="prod", job_name="orders"}',
    truncatedAlerts: 0,
    status,
    receiver: 'flink-guardian',
    groupLabels: { cluster: 'prod', job_name: 'orders' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    alerts: [
      {
        status,
        labels,
        annotations: { summary: 'orders failed' },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://127.0.0.1:9090/graph',
        fingerprint: 'c1a2b3d4e5f60718',
      },
    ],
  };
}

function familyNames(exposition: string): Set<string> {
  return new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
}

describe('flink-guardian command', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'guardian-cli-'));
  });

  it('check-config says OK for the example exactly as npm start runs it, and exits 0', async () => {
    const ran = await runToEnd(['check-config', '--config', 'examples/config.yaml']);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /examples\/config.yaml: OK \(1 cluster, 0 jobs\)/);
  });

  it("check-config says OK for the example's commented catalog entry once its jar exists", async () => {
    const jar = join(dir, 'orders.jar');
    await writeFile(jar, 'PK');
    const file = join(dir, 'example.yaml');
    const example = await readFile('examples/config.yaml', 'utf8');
    const withJob = example
      .replace('jobs: []\n', 'jobs:\n')
      .replace(/^# {2}(- cluster| {2})/gm, '  $1')
      .replace('/opt/jobs/orders.jar', jar)
      .replace('stateDir: ../data', 'stateDir: state');
    await writeFile(file, withJob);
    const ran = await runToEnd(['check-config', '--config', file]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /example.yaml: OK \(1 cluster, 1 job\)/);
  });

  it('check-config lists every problem with its path and exits 1', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'clusters:\n  - name: a\n    url: nope\nwebhook: {}\nrecovery: {cooldown: soon}\n');
    const ran = await runToEnd(['check-config', '--config', file]);
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /3 problems/);
    assert.match(ran.stderr, /^ {2}clusters\[0\]\.url: /m);
    assert.match(ran.stderr, /^ {2}webhook: set exactly one of bearerToken or basicAuth/m);
    assert.match(ran.stderr, /^ {2}recovery\.cooldown: expected a duration/m);
  });

  it('serve refuses an invalid configuration in one readable message, without a stack trace', async () => {
    const file = join(dir, 'bad-serve.yaml');
    await writeFile(file, 'clusters: []\nwebhook:\n  bearerToken: ${UNSET_GUARDIAN_VAR}\n');
    const ran = await runToEnd(['serve', '--config', file]);
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /refusing to start, the configuration is invalid/);
    assert.match(ran.stderr, /clusters: at least one cluster is needed/);
    assert.match(ran.stderr, /webhook\.bearerToken: environment variable UNSET_GUARDIAN_VAR is not set/);
    assert.doesNotMatch(ran.stderr, /\n\s+at /);
  });

  it('serve refuses a corrupt state file, naming it, and starts empty when told', async () => {
    const sim = await startFlinkSimulator();
    try {
      const stateDir = join(dir, 'corrupt-state');
      await mkdir(stateDir, { recursive: true });
      await writeFile(join(stateDir, 'episodes.json'), '{"version": 1, "episodes": [tr');
      await writeFile(join(stateDir, 'orders.jar'), 'PK');
      const file = join(dir, 'corrupt.yaml');
      await writeConfig(file, sim, stateDir);
      const ran = await runToEnd(['serve', '--config', file, '--listen', '127.0.0.1:0']);
      assert.equal(ran.code, 1);
      assert.match(
        ran.stderr,
        new RegExp(`refusing to start: .*${join(stateDir, 'episodes.json').replaceAll('/', '\\/')}`),
      );
      assert.match(ran.stderr, /--start-empty/);
      const started = await serve(file, ['--start-empty']);
      started.child.kill('SIGTERM');
      await new Promise((r) => started.child.once('exit', r));
      const aside = (await readdir(stateDir)).filter((f) => f.startsWith('episodes.json.corrupt'));
      assert.equal(aside.length, 1, 'the corrupt file is moved aside, not overwritten');
      assert.equal(await readFile(join(stateDir, aside[0] as string), 'utf8'), '{"version": 1, "episodes": [tr');
    } finally {
      await sim.close();
    }
  });
});

describe('flink-guardian refusing or setting aside state in the way', () => {
  let dir: string;
  let sim: FlinkSimulator;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'guardian-state-'));
    sim = await startFlinkSimulator();
    sim.addJob({ name: 'orders' });
  });
  after(() => sim.close());

  it('--start-empty moves a corrupt jobs.json aside, and scrapes do not overwrite it', async () => {
    const stateDir = join(dir, 'corrupt-memory');
    await mkdir(stateDir, { recursive: true });
    const corrupt = '{"version": 1, "clusters": {"prod": {"orders": {"jobId": "x"}}}}';
    await writeFile(join(stateDir, 'jobs.json'), corrupt);
    const file = join(dir, 'corrupt-memory.yaml');
    await writeConfig(file, sim, stateDir);
    const refused = await runToEnd(['serve', '--config', file, '--listen', '127.0.0.1:0']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /jobs\.json: does not match the state schema/);
    const started = await serve(file, ['--start-empty']);
    try {
      await fetch(`${started.base}/metrics`).then((r) => r.text());
      await until('the job memory to be written', async () =>
        (await readdir(stateDir)).includes('jobs.json') ? true : undefined,
      );
    } finally {
      started.child.kill('SIGTERM');
      await new Promise((r) => started.child.once('exit', r));
    }
    const aside = (await readdir(stateDir)).filter((f) => f.startsWith('jobs.json.corrupt-'));
    assert.equal(aside.length, 1, 'the corrupt file is moved aside');
    assert.equal(await readFile(join(stateDir, aside[0] as string), 'utf8'), corrupt);
    assert.match(await readFile(join(stateDir, 'jobs.json'), 'utf8'), /"orders"/);
  });

  it('a graceful stop writes the latest sighting of every job, which steady scrapes do not', async () => {
    const stateDir = join(dir, 'graceful');
    const file = join(dir, 'graceful.yaml');
    await writeConfig(file, sim, stateDir);
    const started = await serve(file);
    type Memory = { clusters: Record<string, Record<string, { seenAt: number }>> };
    const seenAt = async (): Promise<number | undefined> =>
      (JSON.parse(await readFile(join(stateDir, 'jobs.json'), 'utf8')) as Memory).clusters.prod?.orders?.seenAt;
    let lastScrape = 0;
    try {
      await (await fetch(`${started.base}/metrics`)).text();
      const first = await seenAt();
      await new Promise((r) => setTimeout(r, 50));
      lastScrape = Date.now();
      await (await fetch(`${started.base}/metrics`)).text();
      assert.equal(await seenAt(), first, 'a scrape that changed nothing but seenAt writes nothing');
    } finally {
      started.child.kill('SIGTERM');
      await new Promise((r) => started.child.once('exit', r));
    }
    const last = await seenAt();
    assert.ok(last !== undefined && last >= lastScrape, `seenAt ${last} before the last scrape at ${lastScrape}`);
  });

  it('refuses to start when a directory stands where an episode file belongs, naming it', async () => {
    const stateDir = join(dir, 'in-the-way');
    const where = join(stateDir, 'episodes', 'prod', 'orders.json');
    await mkdir(where, { recursive: true });
    const file = join(dir, 'in-the-way.yaml');
    await writeConfig(file, sim, stateDir);
    const ran = await runToEnd(['serve', '--config', file, '--listen', '127.0.0.1:0']);
    assert.equal(ran.code, 1);
    assert.ok(ran.stderr.includes(`refusing to start: ${where}: is not a regular file`), ran.stderr);
    assert.match(ran.stderr, /--start-empty/);
  });
});

describe('flink-guardian at the edges: an unwritable stateDir, a vanished job, alerts too big', () => {
  let sim: FlinkSimulator;
  let child: ChildProcess;
  let base: string;
  let stateDir: string;
  let jobId: string;
  const post = (body: string): Promise<Response> =>
    fetch(`${base}/alertmanager`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    });

  before(async () => {
    sim = await startFlinkSimulator({ version: '1.20.1' });
    jobId = sim.addJob({ name: 'orders' });
    const dir = await mkdtemp(join(tmpdir(), 'guardian-edges-'));
    stateDir = join(dir, 'state');
    const file = join(dir, 'guardian.yaml');
    await writeConfig(file, sim, stateDir);
    ({ child, base } = await serve(file));
  });
  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await sim.close();
  });

  it('/readyz is 503 while stateDir takes no writes, and 200 again once it does', async () => {
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    // Root ignores permissions: a file where the directory belongs makes every write fail for anyone.
    await rename(stateDir, `${stateDir}.away`);
    await writeFile(stateDir, 'in the way');
    try {
      await until('/readyz to say not ready', async () =>
        (await fetch(`${base}/readyz`)).status === 503 ? true : undefined,
      );
      assert.equal((await fetch(`${base}/healthz`)).status, 200, 'alive all the same');
    } finally {
      await rm(stateDir);
      await rename(`${stateDir}.away`, stateDir);
    }
    await until('/readyz to say ready', async () =>
      (await fetch(`${base}/readyz`)).status === 200 ? true : undefined,
    );
  });

  it('refuses 250,000 alerts in one body with a 400 that says the cap', async () => {
    const res = await post(`{"version":"4","status":"firing","alerts":[${'{},'.repeat(249_999)}{}]}`);
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(await res.json()), /250000 alerts in one body, at most 1000 \(webhook\.maxAlerts\)/);
  });

  it('no 900 KB job_name of an alert reaches the metrics', async () => {
    for (let i = 0; i < 5; i++) {
      const body = alert('resolved');
      const labels = { ...body.alerts[0]!.labels, job_name: `${i}${'x'.repeat(900 * 1024)}` };
      const res = await post(JSON.stringify({ ...body, alerts: [{ ...body.alerts[0]!, labels }] }));
      assert.equal(res.status, 200);
    }
    const text = await (await fetch(`${base}/metrics`)).text();
    const longest = Math.max(...text.split('\n').map((line) => line.length));
    assert.ok(longest < 4096, `a line of ${longest} characters`);
  });

  it('keeps the last sighting of a job that vanished through kill -9', async () => {
    for (let i = 0; i < 3; i++) {
      await (await fetch(`${base}/metrics`)).text();
      await new Promise((r) => setTimeout(r, 20));
    }
    const lastSeenBetween = [Date.now(), 0];
    await (await fetch(`${base}/metrics`)).text();
    lastSeenBetween[1] = Date.now();
    sim.remove(jobId);
    await (await fetch(`${base}/metrics`)).text();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const memory = await readJobMemory(stateDir);
    assert.ok(memory.kind === 'ok', 'jobs.json and its journal read back');
    const orders = memory.clusters.get('prod')?.get('orders');
    assert.equal(orders?.lastState, 'RUNNING');
    const [from, to] = lastSeenBetween as [number, number];
    assert.ok(orders !== undefined && orders.seenAt >= from && orders.seenAt <= to, `${orders?.seenAt}: ${from}-${to}`);
  });
});

describe('the job memory through kill -9 while a busy cluster moves', () => {
  it('each start finds every checkpoint path at least as new as the last answered scrape saw', async () => {
    const sim = await startFlinkSimulator({ version: '1.20.1' });
    // The service of the current start: killed here too when an assertion ends the test early.
    let child: ChildProcess | undefined;
    try {
      const ids = new Map(Array.from({ length: 60 }, (_, i) => [`job-${i}`, sim.addJob({ name: `job-${i}` })]));
      const dir = await mkdtemp(join(tmpdir(), 'guardian-busy-kill-'));
      const stateDir = join(dir, 'state');
      const file = join(dir, 'guardian.yaml');
      await writeConfig(file, sim, stateDir);
      const idOf = (path: string | undefined): number => Number(/chk-(\d+)$/.exec(path ?? '')?.[1] ?? -1);
      const answered = new Map<string, number>();
      const completed = new Map<string, number>();
      const move = (round: number): void => {
        for (const [name, id] of ids) {
          if (Number(name.slice(4)) % 3 === round % 3) completed.set(name, idOf(sim.completeCheckpoint(id)));
        }
      };
      // The kill lands the moment a scrape has answered, or at different moments of the next scrape: before,
      // during and after its writes.
      for (const killAfterMs of [undefined, 0, 2, 5, undefined, 10, 20, 40]) {
        const started = await serve(file);
        child = started.child;
        for (let round = 0; round < 4; round++) {
          move(round);
          const seen = new Map(completed);
          assert.equal((await fetch(`${started.base}/metrics`)).status, 200);
          for (const [name, id] of seen) answered.set(name, id);
        }
        let last: Promise<unknown> = Promise.resolve();
        if (killAfterMs !== undefined) {
          move(4);
          // Cut off by the kill, or not: either way the scrape's outcome is not what is checked.
          last = fetch(`${started.base}/metrics`)
            .then((res) => res.text())
            .catch(() => undefined);
          await new Promise((r) => setTimeout(r, killAfterMs));
        }
        const exited = new Promise((r) => started.child.once('exit', r));
        started.child.kill('SIGKILL');
        await exited;
        await last;
        const memory = await readJobMemory(stateDir);
        assert.ok(memory.kind === 'ok', `readable after a kill ${killAfterMs ?? 'right after an answer'}`);
        for (const [name, id] of answered) {
          const kept = idOf(memory.clusters.get('prod')?.get(name)?.checkpointPath);
          assert.ok(kept >= id && kept <= (completed.get(name) ?? -1), `${name}: chk-${kept}, answered chk-${id}`);
        }
      }
    } finally {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await sim.close();
    }
  });
});

describe('flink-guardian serving a simulated Flink 2.x cluster', () => {
  let sim: FlinkSimulator;
  let child: ChildProcess;
  let base: string;
  let logs: string[];
  let failedId: string;
  let checkpoint: string;

  before(async () => {
    sim = await startFlinkSimulator({ version: '2.1.0', jobNames: { 'com.example.Orders': 'orders' } });
    sim.addJar('orders.jar');
    failedId = sim.addJob({ name: 'orders', parallelism: 2 });
    sim.completeCheckpoint(failedId);
    checkpoint = sim.completeCheckpoint(failedId);
    sim.addJob({ name: 'payments', checkpointing: false });
    const stateDir = await mkdtemp(join(tmpdir(), 'guardian-serve-'));
    const file = join(stateDir, 'guardian.yaml');
    await writeFile(join(stateDir, 'orders.jar'), 'PK');
    await writeConfig(file, sim, stateDir);
    ({ child, base, logs } = await serve(file));
  });
  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await sim.close();
  });

  it('exposes every metric family of the reference, and no flink_* family beyond it', async () => {
    const body = await (await fetch(`${base}/metrics`)).text();
    const names = familyNames(body);
    const missing = EXPORTED_METRICS.filter((n) => !names.has(n));
    assert.deepEqual(missing, [], `families missing from /metrics: ${missing.join(', ')}`);
    const extra = [...names].filter(
      (n) => n.startsWith('flink_') && !(EXPORTED_METRICS as readonly string[]).includes(n),
    );
    assert.deepEqual(extra, []);
    assert.match(body, /^flink_job_up\{cluster="prod",job_name="orders"\} 1$/m);
    assert.match(body, /^flink_job_checkpointing_enabled\{cluster="prod",job_name="payments"\} 0$/m);
    assert.match(body, /^process_resident_memory_bytes /m);
  });

  it('rejects webhook calls without the token', async () => {
    const res = await fetch(`${base}/alertmanager`, {
      method: 'POST',
      body: JSON.stringify(alert('firing')),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 401);
  });

  it('recovers a FAILED job from its latest checkpoint after one webhook call', async () => {
    sim.fail(failedId);
    const res = await fetch(`${base}/alertmanager`, {
      method: 'POST',
      body: JSON.stringify(alert('firing')),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.status, 200);
    const run = await until('a run request', () => sim.runRequests().find((r) => r.status === 200));
    assert.equal((run.body as { savepointPath?: string }).savepointPath, checkpoint);
    assert.deepEqual((run.body as { programArgsList?: string[] }).programArgsList, ['--env', 'test']);
    await until('the episode to close as recovered', async () => {
      const body = await (await fetch(`${base}/metrics`)).text();
      return /^flink_recovery_episodes_total\{cluster="prod",job_name="orders",outcome="recovered"\} 1$/m.test(body)
        ? true
        : undefined;
    });
    const instances = sim.jobsNamed('orders');
    assert.equal(instances.length, 2);
    assert.equal(instances.filter((j) => j.state === 'RUNNING').length, 1);
    assert.equal(sim.runRequests().length, 1, 'exactly one submission');
    const api = await fetch(`${base}/api/v1/recoveries`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(api.status, 200);
    assert.ok(
      logs.some((l) => l.includes('"job_name":"orders"')),
      'the audit trail names the job',
    );
  });

  it('stops gracefully on SIGTERM', async () => {
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 0);
    assert.ok(logs.some((l) => l.includes('"msg":"stopped"')));
  });
});
