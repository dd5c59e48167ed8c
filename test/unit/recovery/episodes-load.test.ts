/** What EpisodeStore.open finds in the way: temporary files, and directories or files where the other belongs. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StateError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { EpisodeStore, episodeFile, fileNameOf } from '../../../src/recovery/store/episodes.js';
import { episode } from './fixtures.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'episodes-load-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('EpisodeStore.open: what stands in the way', () => {
  it('refuses to start when a directory stands where an episode file belongs, naming it', () =>
    withDir(async (dir) => {
      const store = await EpisodeStore.open(dir);
      await store.put(episode({ jobName: 'payments', id: 'ep2' }));
      const file = episodeFile(dir, 'prod', 'orders');
      await mkdir(file);
      await assert.rejects(EpisodeStore.open(dir), (err: unknown) => {
        assert.ok(err instanceof StateError);
        assert.equal(err.file, file);
        assert.match(err.message, /is not a regular file, where the episode file of a job belongs/);
        assert.ok(err.message.startsWith(file));
        return true;
      });
    }));

  it('with startEmpty, moves that directory aside, and the job can be written again', () =>
    withDir(async (dir) => {
      const file = episodeFile(dir, 'prod', 'orders');
      await mkdir(join(file, 'inside'), { recursive: true });
      const store = await EpisodeStore.open(dir, { startEmpty: true, logger: silentLogger() });
      assert.equal(store.get('prod', 'orders'), undefined);
      await store.put(episode({ id: 'after' }));
      assert.equal((await EpisodeStore.open(dir)).get('prod', 'orders')?.id, 'after');
      const aside = (await readdir(join(dir, 'episodes', 'prod'))).filter((n) => n.includes('.corrupt-'));
      assert.equal(aside.length, 1);
      assert.deepEqual(await readdir(join(dir, 'episodes', 'prod', aside[0] as string)), ['inside']);
    }));

  it('refuses a file where the folder of a cluster belongs', () =>
    withDir(async (dir) => {
      await mkdir(join(dir, 'episodes'), { recursive: true });
      const where = join(dir, 'episodes', fileNameOf('prod'));
      await writeFile(where, 'not a folder');
      await assert.rejects(
        EpisodeStore.open(dir),
        (err: unknown) => err instanceof StateError && err.file === where && /is not a directory/.test(err.message),
      );
    }));

  it('follows symbolic links to episode files and folders', () =>
    withDir(async (dir) => {
      const real = join(dir, 'elsewhere');
      await mkdir(join(real, 'prod'), { recursive: true });
      await writeFile(join(real, 'prod', 'orders.json'), JSON.stringify({ version: 1, episode: episode({ id: 'x' }) }));
      await mkdir(join(dir, 'episodes'));
      await symlink(join(real, 'prod'), join(dir, 'episodes', 'prod'));
      assert.equal((await EpisodeStore.open(dir)).get('prod', 'orders')?.id, 'x');
    }));

  it('removes the temporary files of interrupted writes, and keeps moved-aside files', () =>
    withDir(async (dir) => {
      const store = await EpisodeStore.open(dir);
      await store.put(episode());
      const clusterDir = join(dir, 'episodes', 'prod');
      const leftover = join(clusterDir, `.${fileNameOf('orders')}.json.4242.0badf00d.tmp`);
      await writeFile(leftover, '{"version": 1, "epi');
      const aside = join(clusterDir, `${fileNameOf('payments')}.json.corrupt-1`);
      await writeFile(aside, 'kept for a person');
      const again = await EpisodeStore.open(dir);
      assert.equal(again.get('prod', 'orders')?.id, episode().id);
      assert.deepEqual((await readdir(clusterDir)).sort(), [`${fileNameOf('orders')}.json`, aside.split('/').pop()]);
      assert.equal(await readFile(aside, 'utf8'), 'kept for a person');
    }));
});
