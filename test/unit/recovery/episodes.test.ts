import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StateError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { EpisodeStore, episodeFile, fileNameOf } from '../../../src/recovery/store/episodes.js';
import { episode } from './fixtures.js';

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

  it('reads episode files written before roots and failure sources: baseJobId becomes the root', () =>
    withDir(async (dir) => {
      const { root: _r, failureTimeSource: _f, ...old } = episode();
      const file = episodeFile(dir, 'prod', 'orders');
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(file, JSON.stringify({ version: 1, episode: { ...old, baseJobId: 'AB'.repeat(16) } }));
      const missingFile = episodeFile(dir, 'prod', 'payments');
      const missingOld = { ...old, jobName: 'payments', trigger: 'missing', baseJobId: 'c'.repeat(32) };
      await writeFile(missingFile, JSON.stringify({ version: 1, episode: missingOld }));
      const store = await EpisodeStore.open(dir);
      const ep = store.get('prod', 'orders');
      assert.equal(ep?.root, 'ab'.repeat(10));
      assert.equal(ep?.failureTimeSource, 'end_time');
      assert.equal(store.get('prod', 'payments')?.failureTimeSource, 'episode_open');
      assert.equal(Object.hasOwn(ep ?? {}, 'baseJobId'), false);
    }));

  it('concurrent puts all land, the last value of each job wins', () =>
    withDir(async (dir) => {
      const store = await EpisodeStore.open(dir);
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => store.put(episode({ jobName: `job-${i % 10}`, id: `ep${i}` }))),
      );
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
        await assert.rejects(
          EpisodeStore.open(dir),
          (err: unknown) => err instanceof StateError && err.file === file && err.message.includes(file),
        );
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

  it('keeps one file per job, so a write does not grow with the number of episodes', () =>
    withDir(async (dir) => {
      const store = await EpisodeStore.open(dir);
      await store.put(episode());
      await store.put(episode({ cluster: 'stage', jobName: 'a/b ..', id: 'ep2' }));
      const one = JSON.parse(await readFile(episodeFile(dir, 'prod', 'orders'), 'utf8')) as {
        version: number;
        episode: { id: string };
      };
      assert.equal(one.version, 1);
      assert.equal(one.episode.id, episode().id);
      assert.deepEqual(await readdir(join(dir, 'episodes', 'stage')), [`${fileNameOf('a/b ..')}.json`]);
      assert.equal((await EpisodeStore.open(dir)).get('stage', 'a/b ..')?.id, 'ep2');
    }));

  it('encodes names as safe, distinct file names', () => {
    assert.equal(fileNameOf('orders-v2_x'), 'orders-v2_x');
    for (const name of ['.', '..', 'a/b', 'a.b', 'a%2Fb', 'ü', '.hidden']) {
      assert.match(fileNameOf(name), /^[A-Za-z0-9_%-]+$/, name);
    }
    assert.notEqual(fileNameOf('a/b'), fileNameOf('a%2Fb'));
    const long = fileNameOf('x'.repeat(300));
    assert.ok(long.length <= 180, String(long.length));
    assert.notEqual(long, fileNameOf(`${'x'.repeat(299)}y`));
  });

  it('reads an older episodes.json once: its episodes move to per-job files and it is renamed', () =>
    withDir(async (dir) => {
      await writeFile(
        join(dir, 'episodes.json'),
        JSON.stringify({ version: 1, episodes: [episode(), episode({ jobName: 'payments', id: 'ep2' })] }),
      );
      const store = await EpisodeStore.open(dir);
      assert.equal(store.all().length, 2);
      const names = await readdir(dir);
      assert.ok(names.includes('episodes.json.migrated') && !names.includes('episodes.json'), names.join(','));
      const again = await EpisodeStore.open(dir);
      assert.equal(again.get('prod', 'payments')?.id, 'ep2');
      assert.equal(again.get('prod', 'orders')?.id, episode().id);
    }));

  it('refuses to start on a corrupt per-job file, naming that file; startEmpty moves only it aside', () =>
    withDir(async (dir) => {
      const store = await EpisodeStore.open(dir);
      await store.put(episode());
      await store.put(episode({ jobName: 'payments', id: 'ep2' }));
      const bad = episodeFile(dir, 'prod', 'payments');
      await writeFile(bad, '{"version": 1, "episode": {');
      await assert.rejects(
        EpisodeStore.open(dir),
        (err: unknown) => err instanceof StateError && err.file === bad && err.message.includes(bad),
      );
      assert.equal(await readFile(bad, 'utf8'), '{"version": 1, "episode": {', 'the file must be left alone');
      const started = await EpisodeStore.open(dir, { startEmpty: true, logger: silentLogger() });
      assert.equal(started.get('prod', 'payments'), undefined);
      assert.equal(started.get('prod', 'orders')?.id, episode().id);
      const aside = (await readdir(join(dir, 'episodes', 'prod'))).find((n) =>
        n.startsWith(`${fileNameOf('payments')}.json.corrupt-`),
      );
      assert.ok(aside !== undefined);
      assert.equal(await readFile(join(dir, 'episodes', 'prod', aside), 'utf8'), '{"version": 1, "episode": {');
    }));

  it("refuses a file that holds another job's episode", () =>
    withDir(async (dir) => {
      const wrong = episodeFile(dir, 'prod', 'payments');
      await mkdir(join(dir, 'episodes', 'prod'), { recursive: true });
      await writeFile(wrong, JSON.stringify({ version: 1, episode: episode() }));
      await assert.rejects(EpisodeStore.open(dir), (err: unknown) => err instanceof StateError && err.file === wrong);
    }));

  it('a failed write rejects and keeps the previous value in memory', async () => {
    if (process.getuid?.() === 0) return; // root ignores directory permissions
    await withDir(async (dir) => {
      const store = await EpisodeStore.open(dir);
      await store.put(episode({ id: 'first' }));
      const jobDir = join(dir, 'episodes', 'prod');
      await chmod(jobDir, 0o500);
      try {
        await assert.rejects(store.put(episode({ id: 'second' })), StateError);
        assert.equal(store.get('prod', 'orders')?.id, 'first');
      } finally {
        await chmod(jobDir, 0o700);
      }
    });
  });
});
