import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlinkError } from '../../../src/errors.js';
import {
  checkpointConfigSchema,
  checkpointStatsSchema,
  isCheckpointingDisabled,
  toCheckpointConfig,
  toCheckpointStats,
} from '../../../src/flink/wire/checkpoints.js';
import { jarIdOf, jarListSchema, jarUploadSchema, toJars } from '../../../src/flink/wire/jars.js';
import { jobsOverviewSchema, toJobOverviews } from '../../../src/flink/wire/jobs-overview.js';
import { metricValue, metricsSchema, readJobMetrics, toJobMetrics } from '../../../src/flink/wire/metrics.js';
import { overviewSchema, toClusterOverview } from '../../../src/flink/wire/overview.js';
import { errorsOf, parseBody } from '../../../src/flink/wire/parse.js';
import { fixture, VERSIONS } from './fixtures.js';

const parse = <S extends Parameters<typeof parseBody>[0]>(schema: S, text: string) =>
  parseBody(schema, text, 'prod', 'GET /test');

for (const version of VERSIONS) {
  describe(`Flink ${version} wire bodies`, () => {
    it('parses /overview', () => {
      const o = toClusterOverview(parse(overviewSchema, fixture(version, 'overview')));
      assert.deepEqual(o, {
        flinkVersion: version === '1.20' ? '1.20.1' : '2.1.0',
        taskManagers: 2,
        slotsTotal: 8,
        slotsAvailable: 5,
      });
    });

    it('parses /jobs/overview with -1 end time and hyphenated keys', () => {
      const jobs = toJobOverviews(parse(jobsOverviewSchema, fixture(version, 'jobs-overview')));
      assert.deepEqual(jobs[0], {
        jobId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
        name: 'orders-enrichment',
        state: 'RUNNING',
        startTime: 1763719200000,
        endTime: undefined,
        lastModification: 1763719205000,
      });
      assert.equal(jobs[1]?.state, 'FAILED');
      assert.equal(jobs[1]?.endTime, 1763719100000);
    });

    it('parses /jobs/:id/checkpoints', () => {
      const stats = toCheckpointStats(parse(checkpointStatsSchema, fixture(version, 'checkpoints')));
      assert.equal(stats.completed, 10);
      assert.equal(stats.failed, 2);
      assert.equal(stats.inProgress, 1);
      assert.deepEqual(stats.latestCompleted, {
        id: 12,
        externalPath: 'file:/flink/checkpoints/a1b2c3d4e5f60718293a4b5c6d7e8f90/chk-12',
        completedAt: 1763719790250,
        durationMs: 250,
        sizeBytes: 4096,
      });
      assert.equal(stats.latestSavepoint, undefined);
    });

    it('recognises the 404 of a job without checkpointing', () => {
      assert.equal(isCheckpointingDisabled(errorsOf(fixture(version, 'checkpoints-disabled'))), true);
      assert.equal(isCheckpointingDisabled(['Job abc not found']), false);
    });

    it('parses /jobs/:id/checkpoints/config externalization', () => {
      const config = toCheckpointConfig(parse(checkpointConfigSchema, fixture(version, 'checkpoints-config')));
      assert.equal(config.externalized, true);
      assert.equal(config.deleteOnCancellation, version === '2.x');
    });

    it('reads numRestarts from the bare metrics array', () => {
      assert.equal(metricValue(parse(metricsSchema, fixture(version, 'metrics')), 'numRestarts'), 3);
      assert.equal(metricValue(parse(metricsSchema, '[]'), 'numRestarts'), undefined);
      assert.equal(
        metricValue(parse(metricsSchema, '{"metrics":[{"id":"numRestarts","value":"1"}]}'), 'numRestarts'),
        1,
      );
    });

    it('parses /jars and the upload answer (jar id = basename)', () => {
      const jars = toJars(parse(jarListSchema, fixture(version, 'jars')));
      assert.deepEqual(jars, [
        { id: '7f3b2c1a-9d4e-4e2f-8a6b-0c5d1e2f3a4b_orders.jar', name: 'orders.jar', uploadedAt: 1763719000000 },
      ]);
      const upload = parse(jarUploadSchema, fixture(version, 'upload'));
      assert.equal(jarIdOf(upload.filename), '7f3b2c1a-9d4e-4e2f-8a6b-0c5d1e2f3a4b_orders.jar');
    });
  });
}

describe('job metrics read without the schema', () => {
  const metrics = (values: Record<string, string>) =>
    JSON.stringify(Object.entries(values).map(([id, value]) => ({ id, value })));
  it('says what the schema path says for every body the schema accepts as a bare array', () => {
    const bodies = [
      '[]',
      metrics({ numRestarts: '3' }),
      metrics({
        numRestarts: '0',
        numberOfCompletedCheckpoints: '12',
        numberOfFailedCheckpoints: '1',
        numberOfInProgressCheckpoints: '0',
      }),
      // A value Flink could not format, an unknown metric, a member the schema does not read, no value at all.
      JSON.stringify([
        { id: 'numRestarts', value: 'NaN' },
        { id: 'other', value: '1' },
        { id: 'numberOfCompletedCheckpoints', value: '4', x: 1 },
        { id: 'numberOfFailedCheckpoints' },
        { id: 'numberOfInProgressCheckpoints', value: '2' },
      ]),
      // Listed twice: the first counts, whether or not it has a value.
      '[{"id":"numRestarts","value":"1"},{"id":"numRestarts","value":"2"}]',
      '[{"id":"numRestarts"},{"id":"numRestarts","value":"2"}]',
    ];
    for (const body of bodies) {
      const json: unknown = JSON.parse(body);
      const parsed = metricsSchema.parse(json);
      assert.deepEqual(readJobMetrics(json), toJobMetrics(parsed), body);
      // Against metricValue, which finds each metric on its own: the first listing counts, with a value or without.
      const value = (id: string) => metricValue(parsed, id);
      const counters = [
        value('numberOfCompletedCheckpoints'),
        value('numberOfFailedCheckpoints'),
        value('numberOfInProgressCheckpoints'),
      ];
      const [completed, failed, inProgress] = counters;
      assert.deepEqual(
        readJobMetrics(json),
        {
          restarts: value('numRestarts'),
          checkpoints:
            completed === undefined || failed === undefined || inProgress === undefined
              ? undefined
              : { completed, failed, inProgress },
        },
        body,
      );
    }
    assert.deepEqual(
      readJobMetrics(JSON.parse('[{"id":"numRestarts","value":"1"},{"id":"numRestarts","value":"2"}]')),
      {
        restarts: 1,
        checkpoints: undefined,
      },
    );
  });

  it('leaves every other body to the schema', () => {
    for (const body of [
      '{"metrics":[{"id":"numRestarts","value":"1"}]}',
      '[{"id":"numRestarts","value":1}]',
      '[{"value":"1"}]',
      '[null]',
      '[["numRestarts","1"]]',
      '"numRestarts"',
      'null',
    ]) {
      assert.equal(readJobMetrics(JSON.parse(body)), undefined, body);
    }
  });
});

describe('bodies that do not parse', () => {
  it('names the endpoint and the zod issue', () => {
    assert.throws(
      () =>
        parseBody(
          jobsOverviewSchema,
          '{"jobs":[{"jid":"x","name":"n","state":"BOGUS","start-time":1}]}',
          'prod',
          'GET /jobs/overview',
        ),
      (err: unknown) =>
        err instanceof FlinkError &&
        err.code === 'FLINK_BAD_RESPONSE' &&
        err.endpoint === 'GET /jobs/overview' &&
        err.message.includes('jobs[0].state'),
    );
  });

  it('treats non-JSON as a bad response, not a crash', () => {
    assert.throws(
      () => parseBody(overviewSchema, '<html>proxy</html>', 'prod', 'GET /overview'),
      (err: unknown) => err instanceof FlinkError && err.code === 'FLINK_BAD_RESPONSE',
    );
  });

  it('accepts fields newer Flink versions add', () => {
    const body = JSON.parse(fixture('2.x', 'overview')) as Record<string, unknown>;
    body['some-future-field'] = { nested: true };
    assert.doesNotThrow(() => parseBody(overviewSchema, JSON.stringify(body), 'prod', 'GET /overview'));
  });
});
