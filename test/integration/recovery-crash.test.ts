import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { attemptJobId, rootOf } from '../../src/recovery/model/job-id.js';
import { startFlinkSimulator, type FlinkSimulator } from '../support/flink-sim/simulator.js';
import { waitFor } from './recovery-harness.js';

const CHILD = fileURLToPath(new URL('./recovery-child.js', import.meta.url));

interface Setup {
  sim: FlinkSimulator;
  dir: string;
  jarPath: string;
  failed: string;
  checkpoint: string;
}

async function setup(): Promise<Setup> {
  const sim = await startFlinkSimulator({ version: '2.1.0', jobNames: { 'com.example.Orders': 'orders' } });
  const dir = await mkdtemp(join(tmpdir(), 'guardian-crash-'));
  const jarPath = join(dir, 'orders.jar');
  await writeFile(jarPath, 'PK not really a jar');
  const failed = sim.addJob({ name: 'orders' });
  const checkpoint = sim.completeCheckpoint(failed);
  sim.fail(failed);
  return { sim, dir, jarPath, failed, checkpoint };
}

function spawnChild(s: Setup, mode: string, alert: boolean): ChildProcess {
  const child = spawn(process.execPath, [CHILD], {
    env: {
      ...process.env,
      GUARDIAN_CHILD: JSON.stringify({ simUrl: s.sim.url, dir: s.dir, jarPath: s.jarPath, mode, alert }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  return child;
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once('exit', r));
}

type StoredEpisode = {
  phase: string;
  status: string;
  outcome?: string;
  attempts: { jobId: string; submitTries: number }[];
};

async function stateOf(s: Setup): Promise<{ episodes: StoredEpisode[] } | undefined> {
  try {
    // Each job's episode is its own file under state/episodes/<cluster>/; the child's jobs, read as one list.
    const dir = join(s.dir, 'state', 'episodes');
    const episodes: StoredEpisode[] = [];
    for (const cluster of await readdir(dir)) {
      for (const name of (await readdir(join(dir, cluster))).filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
        episodes.push(
          (JSON.parse(await readFile(join(dir, cluster, name), 'utf8')) as { episode: StoredEpisode }).episode,
        );
      }
    }
    return { episodes };
  } catch {
    return undefined;
  }
}

describe('kill -9 in the middle of an episode', () => {
  const children: ChildProcess[] = [];
  let s: Setup | undefined;
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGKILL');
      await exited(c);
    }
    if (s !== undefined) {
      await s.sim.close();
      await rm(s.dir, { recursive: true, force: true });
    }
    s = undefined;
  });

  it('killed right after the intent was written: the restart submits once and the episode goes on', async () => {
    s = await setup();
    const setup_ = s;
    const first = spawnChild(setup_, 'hold-before-post', true);
    children.push(first);
    await waitFor(async () => (await stateOf(setup_))?.episodes[0]?.phase === 'submitting', 10_000, 'the intent');
    first.kill('SIGKILL');
    await exited(first);
    assert.equal(setup_.sim.runRequests().length, 0);

    const second = spawnChild(setup_, 'run', false);
    children.push(second);
    await waitFor(async () => (await stateOf(setup_))?.episodes[0]?.outcome === 'recovered', 10_000, 'recovered');
    const posted = setup_.sim.runRequests();
    assert.equal(posted.length, 1);
    assert.equal((posted[0]?.body as { jobId: string }).jobId, attemptJobId(rootOf(setup_.failed), 1));
    assert.equal((posted[0]?.body as { savepointPath: string }).savepointPath, setup_.checkpoint);
    second.kill('SIGTERM');
    await exited(second);
  });

  it(
    'killed after the POST landed but before its answer was recorded: ' + 'the restart finds it and submits nothing',
    async () => {
      s = await setup();
      const setup_ = s;
      const first = spawnChild(setup_, 'hold-after-post', true);
      children.push(first);
      await waitFor(() => setup_.sim.runRequests().length === 1, 10_000, 'the POST');
      first.kill('SIGKILL');
      await exited(first);
      assert.equal((await stateOf(setup_))?.episodes[0]?.phase, 'submitting');

      const second = spawnChild(setup_, 'run', false);
      children.push(second);
      await waitFor(async () => (await stateOf(setup_))?.episodes[0]?.outcome === 'recovered', 10_000, 'recovered');
      assert.equal(setup_.sim.runRequests().length, 1);
      assert.equal(setup_.sim.jobsNamed('orders').length, 2);
      second.kill('SIGTERM');
      await exited(second);
    },
  );
});
