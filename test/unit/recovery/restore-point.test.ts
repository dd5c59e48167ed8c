import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { highestCheckpoint, scanCheckpoints } from '../../../src/recovery/act/checkpoint-scan.js';
import { localPathOf, normalizeRestorePath, sameRestorePoint } from '../../../src/recovery/model/restore-path.js';
import {
  restoreVerdict,
  selectRestorePoint,
  SOURCE_ORDER,
  type RestoreCandidate,
} from '../../../src/recovery/decide/restore-point.js';

const all: RestoreCandidate[] = [
  { from: 'scan', path: '/d/j/chk-9' },
  { from: 'remembered', path: '/d/j/chk-7' },
  { from: 'savepoint', path: '/sp/1' },
  { from: 'checkpoint', path: '/d/j/chk-8' },
];

describe('selectRestorePoint', () => {
  it('takes the newest candidate across sources, by checkpoint id, whatever order they were gathered in', () => {
    assert.deepEqual(selectRestorePoint(all, [], 'fresh', true), { kind: 'restore', from: 'scan', path: '/d/j/chk-9' });
  });
  it('a savepoint newer than the latest checkpoint wins; equal ids go by completion time, then source', () => {
    const c = selectRestorePoint(
      [
        { from: 'checkpoint', path: '/d/j/chk-8', checkpointId: 8, completedAt: 100 },
        { from: 'savepoint', path: '/sp/a', checkpointId: 9, completedAt: 200 },
        { from: 'remembered', path: '/d/j/chk-8' },
      ],
      [],
      'skip',
      true,
    );
    assert.deepEqual(c, { kind: 'restore', from: 'savepoint', path: '/sp/a' });
    const tie = selectRestorePoint(
      [
        { from: 'remembered', path: '/d/j/chk-8' },
        { from: 'checkpoint', path: '/d/j/chk-8', checkpointId: 8, completedAt: 100 },
      ],
      [],
      'skip',
      true,
    );
    assert.equal(tie.kind === 'restore' && tie.from, 'checkpoint');
  });
  it('skips refused paths, newest to oldest, and then the state is lost: never fresh', () => {
    const refused: string[] = [];
    const order: string[] = [];
    for (;;) {
      const c = selectRestorePoint(all, refused, 'fresh', true);
      if (c.kind !== 'restore') break;
      order.push(c.path);
      refused.push(c.path);
    }
    assert.deepEqual(order, ['/d/j/chk-9', '/d/j/chk-8', '/d/j/chk-7', '/sp/1']);
    assert.deepEqual(selectRestorePoint(all, refused, 'fresh', true), { kind: 'none', reason: 'state_lost' });
    assert.deepEqual(selectRestorePoint([], refused, 'fresh', false), { kind: 'none', reason: 'state_lost' });
  });
  it('treats chk-N, chk-N/ and chk-N/_metadata as one restore point', () => {
    assert.equal(normalizeRestorePath('/a/chk-1/_metadata'), '/a/chk-1');
    assert.equal(normalizeRestorePath('/a/chk-1/'), '/a/chk-1');
    const c = selectRestorePoint(
      [
        { from: 'checkpoint', path: '/a/chk-1/_metadata' },
        { from: 'remembered', path: '/a/chk-1' },
        { from: 'scan', path: '/a/chk-0' },
      ],
      ['/a/chk-1/'],
      'skip',
      true,
    );
    assert.deepEqual(c, { kind: 'restore', from: 'scan', path: '/a/chk-0' });
  });
  it('onNoCheckpoint applies only to a job that never completed a checkpoint', () => {
    assert.deepEqual(selectRestorePoint([], [], 'fresh', false), { kind: 'fresh' });
    assert.deepEqual(selectRestorePoint([], [], 'skip', false), { kind: 'none', reason: 'no_restore_point' });
    assert.deepEqual(selectRestorePoint([], [], 'fresh', true), { kind: 'none', reason: 'state_lost' });
  });
  it('with equally new candidates, every subset of sources picks by source order (property)', () => {
    for (let mask = 0; mask < 16; mask += 1) {
      const present = SOURCE_ORDER.filter((_, i) => (mask & (1 << i)) !== 0);
      const cands = present.map((from) => ({ from, path: `/${from}`, checkpointId: 4 }));
      const c = selectRestorePoint([...cands].reverse(), [], 'skip', false);
      if (present.length === 0) assert.deepEqual(c, { kind: 'none', reason: 'no_restore_point' });
      else assert.equal(c.kind === 'restore' && c.from, present[0]);
    }
  });
});

describe('restoreVerdict (latest.restored after RUNNING)', () => {
  const stats = (restored: string | undefined) =>
    ({
      enabled: true,
      stats: {
        completed: 3,
        failed: 0,
        inProgress: 0,
        latestCompleted: undefined,
        latestSavepoint: undefined,
        latestRestored: restored === undefined ? undefined : { id: 5, externalPath: restored, restoredAt: 1 },
      },
    }) as const;
  it('accepts the chosen path however Flink spells it', () => {
    assert.ok(sameRestorePoint('file:///d/j/chk-5/_metadata', '/d/j/chk-5'));
    assert.ok(sameRestorePoint('file:/d/j/chk-5', '/d/j/chk-5/'));
    assert.ok(!sameRestorePoint('file:/d/j/chk-4', '/d/j/chk-5'));
    assert.ok(!sameRestorePoint('s3://b/j/chk-5', '/b/j/chk-5'));
    assert.deepEqual(restoreVerdict('/d/j/chk-5', stats('file:/d/j/chk-5')), { kind: 'verified' });
  });
  it('another restore point or none at all is a mismatch; no statistics is unverifiable', () => {
    assert.deepEqual(restoreVerdict('/d/j/chk-5', stats('/d/j/chk-4')), { kind: 'mismatch', restored: '/d/j/chk-4' });
    assert.deepEqual(restoreVerdict('/d/j/chk-5', stats(undefined)), { kind: 'mismatch', restored: undefined });
    assert.deepEqual(restoreVerdict('/d/j/chk-5', { enabled: false }), { kind: 'unverifiable' });
  });
});

describe('checkpoint scan', () => {
  it('highest complete chk-N', () => {
    assert.equal(
      highestCheckpoint([
        { name: 'chk-2', complete: true },
        { name: 'chk-10', complete: true },
        { name: 'chk-11', complete: false },
        { name: 'shared', complete: true },
        { name: 'chk-x', complete: true },
      ]),
      10,
    );
    assert.equal(highestCheckpoint([]), undefined);
  });
  it('reads only local directories', () => {
    assert.equal(localPathOf('file:///var/ckpt'), '/var/ckpt');
    assert.equal(localPathOf('file:/var/ckpt'), '/var/ckpt');
    assert.equal(localPathOf('/var/ckpt'), '/var/ckpt');
    assert.equal(localPathOf('s3://bucket/ckpt'), undefined);
    assert.equal(localPathOf('file://host/ckpt'), undefined);
  });
  it('scans <dir>/<jobid>/chk-N/_metadata, first JobID with any wins, in the directory notation', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scan-'));
    try {
      const a = 'a'.repeat(32);
      const b = 'b'.repeat(32);
      for (const [id, n, complete] of [
        [a, 3, true],
        [a, 12, true],
        [a, 13, false],
        [b, 40, true],
      ] as const) {
        await mkdir(join(dir, id, `chk-${n}`), { recursive: true });
        if (complete) await writeFile(join(dir, id, `chk-${n}`, '_metadata'), 'x');
      }
      assert.equal(await scanCheckpoints(dir, ['c'.repeat(32), a, b]), `${dir}/${a}/chk-12`);
      assert.equal(await scanCheckpoints(`file:${dir}/`, [b]), `file:${dir}/${b}/chk-40`);
      assert.equal(await scanCheckpoints(join(dir, 'nope'), [a]), undefined);
      assert.equal(await scanCheckpoints('s3://x/y', [a]), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
