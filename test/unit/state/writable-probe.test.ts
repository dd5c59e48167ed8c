import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../../support/clock.js';
import { WritableProbe } from '../../../src/state/writable-probe.js';

describe('WritableProbe', () => {
  it('says whether the directory takes writes, asking again once its answer is maxAgeMs old', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'probe-'));
    const stateDir = join(parent, 'state');
    const clock = new ManualClock();
    const probe = new WritableProbe(stateDir, { clock, maxAgeMs: 5000 });
    assert.equal(await probe.writable(), true, 'a missing directory is created, as a write would');
    assert.deepEqual(await readdir(stateDir), [], 'the probe leaves nothing behind');
    // Root ignores permissions: a file where the directory belongs makes every write fail for anyone.
    await rm(stateDir, { recursive: true });
    await writeFile(stateDir, 'in the way');
    assert.equal(await probe.writable(), true, 'the answer is reused until maxAgeMs');
    clock.advance(5000);
    assert.equal(await probe.writable(), false);
    await rm(stateDir);
    await mkdir(stateDir);
    assert.equal(await probe.writable(), false);
    clock.advance(5000);
    assert.equal(await probe.writable(), true);
  });

  it('answers false when a probe hangs, and runs one probe at a time', async () => {
    let attempts = 0;
    let release = (): void => undefined;
    const probe = new WritableProbe('/nowhere', {
      clock: new ManualClock(),
      timeoutMs: 20,
      attempt: () => {
        attempts++;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    assert.deepEqual(await Promise.all([probe.writable(), probe.writable(), probe.writable()]), [false, false, false]);
    assert.equal(await probe.writable(), false);
    assert.equal(attempts, 1, 'a hung probe is not joined by more');
    release();
    assert.equal(await probe.writable(), true);
    assert.equal(attempts, 1);
  });
});
