import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StateError } from '../../../src/errors.js';
import { FileJobMemory } from '../../../src/state/job-memory-file.js';
import type { RememberedJob } from '../../../src/state/job-memory.js';

const job = (over: Partial<RememberedJob> = {}): RememberedJob => ({
  jobId: 'a'.repeat(32),
  lastState: 'RUNNING',
  checkpointPath: 'file:/cp/chk-1',
  seenAt: 1000,
  ...over,
});

const dir = () => mkdtemp(join(tmpdir(), 'guardian-memory-'));

describe('FileJobMemory', () => {
  it('persists records atomically and reads them back', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir);
    assert.equal(memory.get('prod', 'orders'), undefined);
    await memory.record('prod', new Map([['orders', job()]]));
    await memory.record('prod', new Map([['payments', job({ checkpointPath: undefined, lastState: 'CANCELED' })]]));
    const files = await readdir(stateDir);
    assert.deepEqual(files, ['jobs.json'], 'no temporary file is left behind');
    const reopened = await FileJobMemory.open(stateDir);
    assert.deepEqual(reopened.get('prod', 'orders'), job());
    assert.deepEqual(reopened.get('prod', 'payments'), job({ checkpointPath: undefined, lastState: 'CANCELED' }));
  });

  it('writes only when a job, state or path changed', async () => {
    const stateDir = await dir();
    const memory = await FileJobMemory.open(stateDir);
    await memory.record('prod', new Map([['orders', job()]]));
    const file = join(stateDir, 'jobs.json');
    const before = (await stat(file)).mtimeMs;
    const text = await readFile(file, 'utf8');
    await new Promise((r) => setTimeout(r, 20));
    await memory.record('prod', new Map([['orders', job({ seenAt: 2000 })]]));
    assert.equal((await stat(file)).mtimeMs, before);
    assert.equal(await readFile(file, 'utf8'), text);
    await memory.record('prod', new Map([['orders', job({ checkpointPath: 'file:/cp/chk-2', seenAt: 3000 })]]));
    assert.match(await readFile(file, 'utf8'), /chk-2/);
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

  it('starts empty over a corrupt file when told to, and replaces it on the next write', async () => {
    const stateDir = await dir();
    const file = join(stateDir, 'jobs.json');
    await writeFile(file, 'garbage');
    const memory = await FileJobMemory.open(stateDir, { startEmpty: true });
    assert.equal(memory.get('prod', 'orders'), undefined);
    await memory.record('prod', new Map([['orders', job()]]));
    assert.deepEqual((await FileJobMemory.open(stateDir)).get('prod', 'orders'), job());
  });
});
