import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootOf } from '../../../src/recovery/model/job-id.js';
import { describe, it } from 'node:test';
import type { FlinkApi } from '../../../src/flink/api.js';
import { silentLogger } from '../../../src/log.js';
import { gatherCandidates, scanJobIds } from '../../../src/recovery/act/restore-sources.js';
import { T0, episode } from './fixtures.js';

const LOST = 'a'.repeat(32);
const ATTEMPT1 = 'b'.repeat(32);

describe('restore candidates: the checkpoint scan', () => {
  // A JobManager restart without HA lost LOST; attempt 1 restored from the remembered path, which Flink refused
  // (num-retained had already deleted it), and its FAILED instance is now what the exporter remembers.
  const missing = episode({
    trigger: 'missing',
    failedJobId: undefined,
    lostJobId: LOST,
    root: rootOf(LOST),
    failureTimeSource: 'last_seen',
    attempts: [
      {
        n: 1,
        jobId: ATTEMPT1,
        restoreFrom: 'remembered',
        restorePath: `file:/x/${LOST}/chk-3`,
        startedAt: T0,
        submitTries: 1,
        result: 'failed',
        failure: 'restore_refused',
      },
    ],
    refusedPaths: [`file:/x/${LOST}/chk-3`],
  });
  const remembered = {
    jobId: ATTEMPT1,
    lastState: 'FAILED' as const,
    checkpointPath: `file:/x/${LOST}/chk-3`,
    seenAt: T0,
  };

  it(
    'looks under the lost instance of a missing job too, ' + 'not only under the attempts and what memory names now',
    () => {
      assert.deepEqual(scanJobIds(missing, remembered), [ATTEMPT1, LOST]);
    },
  );

  it("finds the lost instance's newest retained checkpoint for the next attempt", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'guardian-scan-'));
    await mkdir(join(dir, ATTEMPT1, 'shared'), { recursive: true }); // the refused attempt's own, empty folder
    for (const n of [5, 6, 7]) {
      await mkdir(join(dir, LOST, `chk-${n}`), { recursive: true });
      await writeFile(join(dir, LOST, `chk-${n}`, '_metadata'), 'x');
    }
    const gathered = await gatherCandidates({
      api: {} as FlinkApi,
      episode: missing,
      instances: [],
      remembered,
      checkpointDir: dir,
      logger: silentLogger(),
    });
    assert.deepEqual(gathered.candidates, [
      { from: 'remembered', path: `file:/x/${LOST}/chk-3` },
      { from: 'scan', path: `${dir}/${LOST}/chk-7` },
    ]);
    assert.equal(gathered.hadCheckpoints, true);
    // A remembered newest checkpoint under the readable checkpointDir whose _metadata was deleted is left out.
    await mkdir(join(dir, LOST, 'chk-9'), { recursive: true });
    const deleted = await gatherCandidates({
      api: {} as FlinkApi,
      episode: missing,
      instances: [],
      remembered: { ...remembered, checkpointPath: `${dir}/${LOST}/chk-9` },
      checkpointDir: dir,
      logger: silentLogger(),
    });
    assert.deepEqual(deleted.candidates, [{ from: 'scan', path: `${dir}/${LOST}/chk-7` }]);
    assert.deepEqual(deleted.gone, [`${dir}/${LOST}/chk-9`]);
  });
});
