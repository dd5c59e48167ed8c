import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StateError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { EpisodeStore } from '../../../src/state/episodes.js';
import { episode } from '../recovery/fixtures.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'episodes-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('EpisodeStore', () => {
  it('starts empty without a file and round-trips episodes durably', () =>
    withDir(async (dir) => {
      const store = await EpisodeStore.open(dir);
      assert.deepEqual(store.all(), []);
      await store.put(episode());
      await store.put(episode({ jobName: 'payments', id: 'ep2' }));
      await store.put(episode({ phase: 'submitting' }));
      const again = await EpisodeStore.open(dir);
      assert.equal(again.all().length, 2);
      assert.equal(again.get('prod', 'orders')?.phase, 'submitting');
      assert.equal(again.get('prod', 'payments')?.id, 'ep2');
      assert.equal(again.get('stage', 'orders'), undefined);
    }));

  it('concurrent puts all land, the last value of each job wins', () =>
    withDir(async (dir) => {
      const store = await EpisodeStore.open(dir);
      await Promise.all(Array.from({ length: 30 }, (_, i) => store.put(episode({ jobName: `job-${i % 10}`, id: `ep${i}` }))));
      const again = await EpisodeStore.open(dir);
      assert.equal(again.all().length, 10);
      assert.equal(again.get('prod', 'job-3')?.id, 'ep23');
    }));

  for (const [name, content] of [
    ['not JSON', '{ "version": 1, '],
    ['wrong shape', JSON.stringify({ version: 1, episodes: [{ id: 1 }] })],
    ['wrong version', JSON.stringify({ version: 2, episodes: [] })],
  ] as const) {
    it(`refuses to start on a corrupt file (${name}), naming the file`, () =>
      withDir(async (dir) => {
        const file = join(dir, 'episodes.json');
        await writeFile(file, content);
        await assert.rejects(EpisodeStore.open(dir), (err: unknown) => err instanceof StateError && err.file === file && err.message.includes(file));
        assert.equal(await readFile(file, 'utf8'), content, 'the file must be left alone');
      }));
  }

  it('startEmpty moves a corrupt file aside instead of overwriting it', () =>
    withDir(async (dir) => {
      await writeFile(join(dir, 'episodes.json'), 'garbage');
      const store = await EpisodeStore.open(dir, { startEmpty: true, logger: silentLogger() });
      assert.deepEqual(store.all(), []);
      await store.put(episode());
      const names = await readdir(dir);
      const aside = names.find((n) => n.startsWith('episodes.json.corrupt-'));
      assert.ok(aside !== undefined, names.join(','));
      assert.equal(await readFile(join(dir, aside), 'utf8'), 'garbage');
    }));

  it('a failed write rejects and keeps the previous value in memory', async () => {
    if (process.getuid?.() === 0) return; // root ignores directory permissions
    await withDir(async (dir) => {
      const store = await EpisodeStore.open(dir);
      await store.put(episode({ id: 'first' }));
      await chmod(dir, 0o500);
      try {
        await assert.rejects(store.put(episode({ id: 'second' })), StateError);
        assert.equal(store.get('prod', 'orders')?.id, 'first');
      } finally {
        await chmod(dir, 0o700);
      }
    });
  });
});
