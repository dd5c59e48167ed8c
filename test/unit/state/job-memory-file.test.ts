import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StateError } from '../../../src/errors.js';
import { FileJobMemory } from '../../../src/state/job-memory-file.js';
import { readJobMemory } from '../../../src/state/job-memory-on-disk.js';
import type { RememberedJob } from '../../../src/state/job-memory.js';

const job = (over: Partial<RememberedJob> = {}): RememberedJob => ({
  jobId: 'a'.repeat(32),
  lastState: 'RUNNING',
  checkpointPath: 'file:/cp/chk-1',
  seenAt: 1000,
  ...over,
});

/** Records `jobs` as one scrape of cluster prod, at the newest seenAt among them. */
const record = (memory: FileJobMemory, jobs: ReadonlyMap<string, RememberedJob>): Promise<void> =>
  memory.record('prod', jobs, Math.max(0, ...[...jobs.values()].map((j) => j.seenAt)));

const dir = () => mkdtemp(join(tmpdir(), 'guardian-memory-'));

/** What a start would remember of a job of cluster prod, read without opening the memory. */
async function remembered(stateDir: string, name: string): Promise<RememberedJob | undefined> {
  const read = await readJobMemory(stateDir);
  if (read.kind === 'corrupt') throw read.error;
  return read.clusters.get('prod')?.get(name);
}

describe('FileJobMemory', () => {
  it('persists records atomically and reads them back', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir);
    assert.equal(memory.get('prod', 'orders'), undefined);
    await record(memory, new Map([['orders', job()]]));
    await record(memory, new Map([['payments', job({ checkpointPath: undefined, lastState: 'CANCELED' })]]));
    const files = await readdir(stateDir);
    assert.deepEqual(files.sort(), ['jobs.journal', 'jobs.json'], 'no temporary file is left behind');
    const reopened = await FileJobMemory.open(stateDir);
    assert.deepEqual(reopened.get('prod', 'orders'), job());
    assert.deepEqual(reopened.get('prod', 'payments'), job({ checkpointPath: undefined, lastState: 'CANCELED' }));
  });

  it('writes nothing when only seenAt changed, and appends a changed path to the journal', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir);
    await record(memory, new Map([['orders', job()]]));
    const file = join(stateDir, 'jobs.json');
    const text = await readFile(file, 'utf8');
    await record(memory, new Map([['orders', job({ seenAt: 2000 })]]));
    assert.deepEqual(await readdir(stateDir), ['jobs.json'], 'no journal for seenAt alone');
    assert.equal(await readFile(file, 'utf8'), text);
    await record(memory, new Map([['orders', job({ checkpointPath: 'file:/cp/chk-2', seenAt: 3000 })]]));
    assert.equal(await readFile(file, 'utf8'), text, 'the whole file is not written for one change');
    assert.match(await readFile(join(stateDir, 'jobs.journal'), 'utf8'), /chk-2/);
    assert.deepEqual(await remembered(stateDir, 'orders'), job({ checkpointPath: 'file:/cp/chk-2', seenAt: 3000 }));
  });

  it('takes the same map handed in again as the same jobs seen later: only seenAt changes', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: 60_000 });
    const jobs = new Map([['orders', job()]]);
    await memory.record('prod', jobs, 1000);
    const file = join(stateDir, 'jobs.json');
    const text = await readFile(file, 'utf8');
    await memory.record('prod', jobs, 5000);
    assert.deepEqual(memory.get('prod', 'orders'), job({ seenAt: 5000 }));
    assert.equal(await readFile(file, 'utf8'), text, 'a newer seenAt alone is not written at once');
    await memory.flush();
    assert.deepEqual((await FileJobMemory.open(stateDir)).get('prod', 'orders'), job({ seenAt: 5000 }));
  });

  it('rejects a corrupt file with a StateError naming it', async () => {
    const stateDir = await dir();
    const file = join(stateDir, 'jobs.json');
    await writeFile(file, '{"version":1,"clusters":{"prod":{"orders":{"jobId":"x"}}}}');
    await assert.rejects(FileJobMemory.open(stateDir), (err: unknown) => {
      assert.ok(err instanceof StateError);
      assert.equal(err.code, 'STATE_CORRUPT');
      assert.equal(err.file, file);
      assert.ok(err.message.includes(file));
      return true;
    });
    await writeFile(file, '{ torn');
    await assert.rejects(
      FileJobMemory.open(stateDir),
      (err: unknown) => err instanceof StateError && err.file === file,
    );
  });

  const corrupt: [string, string | undefined][] = [
    ['not JSON', 'garbage'],
    ['empty', ''],
    ['another version', JSON.stringify({ version: 2, clusters: {} })],
    ['a record without its state', '{"version":1,"clusters":{"prod":{"orders":{"jobId":"x","seenAt":1}}}}'],
    ['a directory', undefined],
  ];
  for (const [name, content] of corrupt) {
    it(`starts empty over a corrupt file (${name}) when told to, moving it aside, never overwriting it`, async () => {
      const stateDir = await dir();
      const file = join(stateDir, 'jobs.json');
      if (content === undefined) await mkdir(join(file, 'inside'), { recursive: true });
      else await writeFile(file, content);
      const memory = await FileJobMemory.open(stateDir, { startEmpty: true });
      assert.equal(memory.get('prod', 'orders'), undefined);
      await record(memory, new Map([['orders', job()]]));
      assert.deepEqual((await FileJobMemory.open(stateDir)).get('prod', 'orders'), job());
      const aside = (await readdir(stateDir)).filter((f) => f.startsWith('jobs.json.corrupt-'));
      assert.equal(aside.length, 1);
      const moved = join(stateDir, aside[0] as string);
      if (content === undefined) assert.deepEqual(await readdir(moved), ['inside']);
      else assert.equal(await readFile(moved, 'utf8'), content);
    });
  }

  it('removes the temporary files of interrupted writes at start, and nothing else', async () => {
    const stateDir = await dir();
    const leftovers = ['.jobs.json.123.0a1b2c3d.tmp', '.jobs.json.1.ffffffff.tmp'];
    const others = ['notes.tmp', '.jobs.json.swp', 'jobs.json.corrupt-1'];
    for (const name of [...leftovers, ...others]) await writeFile(join(stateDir, name), '{"version":1,"clusters":{}');
    await FileJobMemory.open(stateDir);
    assert.deepEqual((await readdir(stateDir)).sort(), others.sort());
  });
});

describe('FileJobMemory: what is kept of jobs that vanished', () => {
  const keep = (cluster: string, name: string): boolean => cluster === 'prod' && name === 'orders';

  it('forgets a job outside `keep` once Flink stops listing it, and keeps the others', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { keep });
    const batch = (i: number): [string, RememberedJob] => [`batch-${i}`, job({ jobId: String(i).padStart(32, '0') })];
    await record(memory, new Map([['orders', job()], batch(1)]));
    assert.ok(memory.get('prod', 'batch-1') !== undefined, 'remembered while listed');
    await record(memory, new Map([batch(2)]));
    await record(memory, new Map([batch(3)]));
    await record(memory, new Map());
    assert.deepEqual(
      ['orders', 'batch-1', 'batch-2', 'batch-3'].map((n) => memory.get('prod', n) !== undefined),
      [true, false, false, false],
    );
    const reopened = await FileJobMemory.open(stateDir);
    assert.deepEqual(reopened.get('prod', 'orders'), job());
    assert.equal(reopened.get('prod', 'batch-3'), undefined);
  });

  it('drops what the file holds of jobs outside `keep` when it opens, and writes that at the next flush', async () => {
    const stateDir = await dir();
    const all = await FileJobMemory.open(stateDir);
    await record(
      all,
      new Map([
        ['orders', job()],
        ['old-batch', job({ jobId: 'b'.repeat(32) })],
      ]),
    );
    const memory = await FileJobMemory.open(stateDir, { keep });
    assert.equal(memory.get('prod', 'old-batch'), undefined);
    assert.deepEqual(memory.get('prod', 'orders'), job());
    await memory.flush();
    assert.equal((await FileJobMemory.open(stateDir)).get('prod', 'old-batch'), undefined);
  });
});

describe('FileJobMemory: the moment a job was last seen', () => {
  const FLUSH = 60_000;
  const T0 = 1_700_000_000_000;
  const seenOnDisk = async (stateDir: string, name = 'orders'): Promise<number | undefined> =>
    (await FileJobMemory.open(stateDir)).get('prod', name)?.seenAt;

  it('keeps seenAt of every scrape in memory; writes it at most every seenFlushMs while nothing changes', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: FLUSH });
    await record(memory, new Map([['orders', job({ seenAt: T0 })]]));
    assert.equal(await seenOnDisk(stateDir), T0);
    for (let t = T0 + 15_000; t < T0 + FLUSH; t += 15_000) {
      await record(memory, new Map([['orders', job({ seenAt: t })]]));
      assert.equal(memory.get('prod', 'orders')?.seenAt, t, 'in memory every scrape');
      assert.equal(await seenOnDisk(stateDir), T0, 'not written for seenAt alone');
    }
    await record(memory, new Map([['orders', job({ seenAt: T0 + FLUSH })]]));
    assert.equal(await seenOnDisk(stateDir), T0 + FLUSH, 'written once it is seenFlushMs old');
    await record(memory, new Map([['orders', job({ seenAt: T0 + FLUSH + 15_000 })]]));
    assert.equal(await seenOnDisk(stateDir), T0 + FLUSH);
  });

  it('writes at once the scrape in which a job is gone, so its last sighting survives a restart', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: FLUSH });
    const both = (t: number) =>
      new Map([
        ['orders', job({ seenAt: t })],
        ['payments', job({ jobId: 'b'.repeat(32), seenAt: t })],
      ]);
    await record(memory, both(T0));
    await record(memory, both(T0 + 15_000));
    await record(memory, both(T0 + 30_000));
    assert.equal(await seenOnDisk(stateDir), T0);
    // The JobManager restarted without HA and lists only payments: orders was last seen at T0 + 30 s.
    await record(memory, new Map([['payments', job({ jobId: 'b'.repeat(32), seenAt: T0 + 45_000 })]]));
    const restarted = await FileJobMemory.open(stateDir);
    assert.equal(restarted.get('prod', 'orders')?.seenAt, T0 + 30_000);
    assert.equal(restarted.get('prod', 'orders')?.lastState, 'RUNNING');
  });

  it('a cluster that lists nothing any more still records when its jobs were last seen', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: FLUSH });
    await record(memory, new Map([['orders', job({ seenAt: T0 })]]));
    await record(memory, new Map([['orders', job({ seenAt: T0 + 15_000 })]]));
    await record(memory, new Map());
    assert.equal(await seenOnDisk(stateDir), T0 + 15_000);
  });

  it('flush (at shutdown) writes the latest seenAt; a kill without it loses at most seenFlushMs', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: FLUSH });
    for (let t = T0; t <= T0 + 105_000; t += 15_000) {
      await record(memory, new Map([['orders', job({ seenAt: t })]]));
    }
    const killed = await seenOnDisk(stateDir);
    assert.ok(killed !== undefined && T0 + 105_000 - killed < FLUSH, `on disk ${killed}`);
    await memory.flush();
    assert.equal(await seenOnDisk(stateDir), T0 + 105_000);
    // Every write renames a new file over the old one: the inode tells whether one happened.
    const inode = (await stat(join(stateDir, 'jobs.json'))).ino;
    await memory.flush();
    assert.equal((await stat(join(stateDir, 'jobs.json'))).ino, inode, 'nothing new, nothing written');
  });

  it('after a restart, the next periodic write counts from what the file holds', async () => {
    const stateDir = await dir();
    const first = await FileJobMemory.open(stateDir, { seenFlushMs: FLUSH });
    await record(first, new Map([['orders', job({ seenAt: T0 })]]));
    const second = await FileJobMemory.open(stateDir, { seenFlushMs: FLUSH });
    await record(second, new Map([['orders', job({ seenAt: T0 + 30_000 })]]));
    assert.equal(await seenOnDisk(stateDir), T0);
    await record(second, new Map([['orders', job({ seenAt: T0 + FLUSH })]]));
    assert.equal(await seenOnDisk(stateDir), T0 + FLUSH);
  });

  it('writes again after a failed write even when the next scrape changed nothing', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: FLUSH });
    const file = join(stateDir, 'jobs.json');
    await mkdir(file); // every write fails while a directory stands there
    await assert.rejects(record(memory, new Map([['orders', job({ seenAt: T0 })]])));
    await rm(file, { recursive: true });
    await record(memory, new Map([['orders', job({ seenAt: T0 + 15_000 })]]));
    assert.equal(await seenOnDisk(stateDir), T0 + 15_000);
  });
});

describe('FileJobMemory: the journal', () => {
  const T0 = 1_700_000_000_000;
  const journal = (stateDir: string): string => join(stateDir, 'jobs.journal');
  const lines = async (stateDir: string): Promise<string[]> =>
    (await readFile(journal(stateDir), 'utf8')).split('\n').filter((l) => l !== '');
  it('appends the jobs that moved, not every job, until the journal outgrows the whole file', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: Number.MAX_SAFE_INTEGER });
    const jobIdOf = (name: string): string => name.padStart(32, '0');
    const jobs = new Map(Array.from({ length: 200 }, (_, i) => [`job-${i}`, job({ jobId: jobIdOf(`job-${i}`) })]));
    await record(memory, new Map(jobs)); // a record's map is not changed afterwards
    const file = join(stateDir, 'jobs.json');
    const { ino, size } = await stat(file);
    const sizes: number[] = [];
    for (let round = 1; (await stat(file)).ino === ino; round++) {
      const moved = `job-${round % 200}`;
      jobs.set(moved, job({ jobId: jobIdOf(moved), checkpointPath: `file:/cp/${moved}/chk-${round}` }));
      await memory.record('prod', new Map(jobs), T0 + round);
      if ((await stat(file)).ino !== ino) break;
      assert.equal((await lines(stateDir)).length, 1 + round, 'a header, then one line per moved job');
      assert.deepEqual(await remembered(stateDir, moved), memory.get('prod', moved));
      sizes.push((await stat(journal(stateDir))).size);
    }
    const limit = Math.max(size, 64 * 1024);
    const [before, last] = sizes.slice(-2) as [number, number];
    assert.ok(before < limit && last >= limit, `written whole once the journal (${sizes.join(',')}) reached ${limit}`);
    assert.deepEqual(await readdir(stateDir), ['jobs.json'], 'the journal it includes is removed');
    const read = await readJobMemory(stateDir);
    assert.ok(read.kind === 'ok');
    for (const [name, remembered] of read.clusters.get('prod') ?? []) {
      assert.deepEqual(remembered, memory.get('prod', name), name);
    }
  });

  it('drops a torn last line (a crash while appending); the next write is whole, not after it', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: Number.MAX_SAFE_INTEGER });
    await record(memory, new Map([['orders', job({ seenAt: T0 })]]));
    await record(memory, new Map([['orders', job({ checkpointPath: 'file:/cp/chk-2', seenAt: T0 + 1 })]]));
    const intact = await readFile(journal(stateDir), 'utf8');
    const whole = await readJobMemory(stateDir);
    assert.ok(whole.kind === 'ok' && !whole.tornLine);
    await writeFile(journal(stateDir), `${intact}{"cluster":"prod","job":"orders","seen":{"jobId":"aa`);
    const read = await readJobMemory(stateDir);
    assert.ok(read.kind === 'ok' && read.tornLine, 'the read says a torn line was left out');
    const restarted = await FileJobMemory.open(stateDir, { seenFlushMs: Number.MAX_SAFE_INTEGER });
    assert.equal(restarted.get('prod', 'orders')?.checkpointPath, 'file:/cp/chk-2');
    await record(restarted, new Map([['orders', job({ checkpointPath: 'file:/cp/chk-3', seenAt: T0 + 2 })]]));
    assert.deepEqual(await readdir(stateDir), ['jobs.json'], 'written whole: the torn journal is gone');
    assert.equal((await remembered(stateDir, 'orders'))?.checkpointPath, 'file:/cp/chk-3');
  });

  it('does not apply a journal the whole file already includes (a crash between the two writes)', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: Number.MAX_SAFE_INTEGER });
    await record(memory, new Map([['orders', job({ checkpointPath: 'file:/cp/chk-1', seenAt: T0 })]]));
    await record(memory, new Map([['orders', job({ checkpointPath: 'file:/cp/chk-2', seenAt: T0 + 1 })]]));
    const older = await readFile(journal(stateDir), 'utf8');
    await record(memory, new Map([['orders', job({ checkpointPath: 'file:/cp/chk-3', seenAt: T0 + 2 })]]));
    await memory.flush();
    await writeFile(journal(stateDir), older);
    const read = await readJobMemory(stateDir);
    assert.ok(read.kind === 'ok');
    assert.equal(read.journal, 'stale');
    assert.equal(read.clusters.get('prod')?.get('orders')?.checkpointPath, 'file:/cp/chk-3');
    const restarted = await FileJobMemory.open(stateDir);
    assert.equal(restarted.get('prod', 'orders')?.checkpointPath, 'file:/cp/chk-3');
  });

  it('refuses a corrupt line, naming the journal and the line; --start-empty sets only the journal aside', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: Number.MAX_SAFE_INTEGER });
    await record(memory, new Map([['orders', job({ seenAt: T0 })]]));
    await record(memory, new Map([['orders', job({ checkpointPath: 'file:/cp/chk-2', seenAt: T0 + 1 })]]));
    const [header, entry] = await lines(stateDir);
    const corrupt = `${header}\n{"cluster":"prod","job":"orders","seen":{"jobId":""}}\n${entry}\n`;
    await writeFile(journal(stateDir), corrupt);
    await assert.rejects(FileJobMemory.open(stateDir), (err: unknown) => {
      assert.ok(err instanceof StateError);
      assert.equal(err.code, 'STATE_CORRUPT');
      assert.equal(err.file, journal(stateDir));
      assert.match(err.message, /jobs\.journal: line 2: does not match the state schema at seen\.jobId/);
      return true;
    });
    const started = await FileJobMemory.open(stateDir, { startEmpty: true });
    assert.deepEqual(started.get('prod', 'orders'), job({ seenAt: T0 }), 'what the whole file holds');
    const aside = (await readdir(stateDir)).filter((f) => f.startsWith('jobs.journal.corrupt-'));
    assert.equal(aside.length, 1);
    assert.equal(await readFile(join(stateDir, aside[0] as string), 'utf8'), corrupt);
  });

  it('a failed append loses nothing: the next record writes the whole file', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: Number.MAX_SAFE_INTEGER });
    await record(memory, new Map([['orders', job({ seenAt: T0 })]]));
    await mkdir(journal(stateDir)); // the journal cannot be written while a directory stands there
    const moved = job({ checkpointPath: 'file:/cp/chk-2', seenAt: T0 + 1 });
    await assert.rejects(record(memory, new Map([['orders', moved]])), /jobs\.journal: cannot write/);
    await rm(journal(stateDir), { recursive: true });
    await record(memory, new Map([['orders', job({ checkpointPath: 'file:/cp/chk-2', seenAt: T0 + 2 })]]));
    assert.deepEqual(await readdir(stateDir), ['jobs.json']);
    assert.equal((await remembered(stateDir, 'orders'))?.checkpointPath, 'file:/cp/chk-2');
  });

  it('a write queued behind a failed append is whole, so both scrapes reach the disk', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: Number.MAX_SAFE_INTEGER });
    const at = (cluster: string, n: number) =>
      new Map([['orders', job({ checkpointPath: `file:/${cluster}/chk-${n}` })]]);
    await Promise.all([memory.record('prod', at('prod', 1), T0), memory.record('staging', at('staging', 1), T0)]);
    await mkdir(journal(stateDir));
    const [prod, staging] = await Promise.allSettled([
      memory.record('prod', at('prod', 2), T0 + 1),
      memory.record('staging', at('staging', 2), T0 + 1),
    ]);
    assert.equal(prod.status, 'rejected', 'the journal cannot be written while a directory stands there');
    assert.equal(staging.status, 'fulfilled', 'queued as an append, written whole');
    await rm(journal(stateDir), { recursive: true });
    const read = await readJobMemory(stateDir);
    assert.ok(read.kind === 'ok');
    assert.equal(read.clusters.get('prod')?.get('orders')?.checkpointPath, 'file:/prod/chk-2');
    assert.equal(read.clusters.get('staging')?.get('orders')?.checkpointPath, 'file:/staging/chk-2');
  });

  it('reads a file of an earlier release (no writeId) and writes it whole before any journal', async () => {
    const stateDir = await dir();
    const earlier = { version: 1, clusters: { prod: { orders: { ...job(), checkpointPath: 'file:/cp/chk-1' } } } };
    await writeFile(join(stateDir, 'jobs.json'), JSON.stringify(earlier));
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: Number.MAX_SAFE_INTEGER });
    assert.deepEqual(memory.get('prod', 'orders'), job());
    await record(memory, new Map([['orders', job({ checkpointPath: 'file:/cp/chk-2', seenAt: 2000 })]]));
    assert.deepEqual(await readdir(stateDir), ['jobs.json']);
    const written = JSON.parse(await readFile(join(stateDir, 'jobs.json'), 'utf8')) as { writeId?: string };
    assert.match(written.writeId ?? '', /^[0-9a-f]{16}$/);
    await record(memory, new Map([['orders', job({ checkpointPath: 'file:/cp/chk-3', seenAt: 3000 })]]));
    const [header] = await lines(stateDir);
    assert.deepEqual(JSON.parse(header ?? ''), { journal: 1, after: written.writeId });
    assert.equal((await remembered(stateDir, 'orders'))?.checkpointPath, 'file:/cp/chk-3');
  });

  it('scrapes of two clusters at once each reach the journal', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir, { seenFlushMs: Number.MAX_SAFE_INTEGER });
    await Promise.all([
      memory.record('prod', new Map([['orders', job()]]), T0),
      memory.record('staging', new Map([['orders', job()]]), T0),
    ]);
    const path = (cluster: string, n: number) =>
      new Map([['orders', job({ checkpointPath: `file:/${cluster}/chk-${n}` })]]);
    for (let n = 1; n <= 5; n++) {
      await Promise.all([
        memory.record('prod', path('prod', n), T0 + n),
        memory.record('staging', path('staging', n), T0 + n),
      ]);
    }
    const read = await readJobMemory(stateDir);
    assert.ok(read.kind === 'ok' && read.journal === 'applied');
    assert.equal(read.clusters.get('prod')?.get('orders')?.checkpointPath, 'file:/prod/chk-5');
    assert.equal(read.clusters.get('staging')?.get('orders')?.checkpointPath, 'file:/staging/chk-5');
  });
});
