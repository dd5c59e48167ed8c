import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classOfTrace, innermostCause, jobExceptionsSchema, toRootCause } from '../../../src/flink/wire/exceptions.js';
import { matchingRule, rulesFor } from '../../../src/recovery/decide/not-retryable.js';
import type { EpisodeRootCause } from '../../../src/recovery/model/episode-schema.js';

const trace = [
  'java.lang.IllegalStateException: poison pill in partition 3',
  '\tat com.example.Orders.map(Orders.java:42)',
  ...Array.from({ length: 40 }, (_, i) => `\tat frame${i}(X.java:${i})`),
].join('\n');

const entry = {
  exceptionName: 'java.lang.IllegalStateException',
  stacktrace: trace,
  timestamp: 1_700_000_000_000,
  failureLabels: { type: 'user' },
  taskName: null,
  endpoint: null,
  taskManagerId: null,
  concurrentExceptions: [],
};

describe('root cause from /jobs/:id/exceptions', () => {
  it('reads the newest entry of exceptionHistory (2.x), bounded to its first lines', () => {
    const body = jobExceptionsSchema.parse({
      exceptionHistory: { entries: [entry, { ...entry, exceptionName: 'older.Exception' }], truncated: false },
    });
    const cause = toRootCause(body);
    assert.equal(cause?.exceptionClass, 'java.lang.IllegalStateException');
    assert.equal(cause?.message.split('\n').length, 6);
    assert.match(cause?.message ?? '', /^java.lang.IllegalStateException: poison pill/);
    assert.deepEqual(cause?.failureLabels, { type: 'user' });
    assert.equal(cause?.at, 1_700_000_000_000);
  });
  it('falls back to the deprecated root-exception of 1.20 when the history is empty; none is undefined', () => {
    const old = jobExceptionsSchema.parse({
      'root-exception': trace,
      timestamp: 5,
      'all-exceptions': [],
      truncated: false,
      exceptionHistory: { entries: [], truncated: false },
    });
    assert.equal(toRootCause(old)?.exceptionClass, 'java.lang.IllegalStateException');
    const none = jobExceptionsSchema.parse({
      'root-exception': null,
      timestamp: null,
      'all-exceptions': [],
      truncated: false,
      exceptionHistory: { entries: [], truncated: false },
    });
    assert.equal(toRootCause(none), undefined);
    assert.equal(toRootCause(jobExceptionsSchema.parse({ exceptionHistory: { entries: [] } })), undefined);
  });
  it('names the innermost cause when Flink wraps it (a restart strategy that gave up), on 2.x and 1.20 alike', () => {
    const wrapped = [
      'org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(...)',
      '\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(X.java:1)',
      '\tSuppressed: java.io.IOException: close failed',
      '\t\tat a.B.close(B.java:2)',
      '\tCaused by: java.lang.RuntimeException: suppressed cause, not the chain',
      'Caused by: org.apache.flink.util.FlinkRuntimeException: middle',
      '\tat a.C.run(C.java:3)',
      'Caused by: java.lang.IllegalStateException: failure switch flipped',
      '\tat dev.flinkguardian.testjob.CountingFunction.map(CountingFunction.java:40)',
      '\t... 12 more',
    ].join('\n');
    const history = toRootCause(
      jobExceptionsSchema.parse({
        exceptionHistory: {
          entries: [{ ...entry, exceptionName: 'org.apache.flink.runtime.JobException', stacktrace: wrapped }],
        },
      }),
    );
    assert.equal(history?.exceptionClass, 'java.lang.IllegalStateException');
    assert.match(history?.message ?? '', /^java.lang.IllegalStateException: failure switch flipped\n\tat dev/);
    const legacy = toRootCause(
      jobExceptionsSchema.parse({ 'root-exception': wrapped, exceptionHistory: { entries: [] } }),
    );
    assert.equal(legacy?.exceptionClass, 'java.lang.IllegalStateException');
    assert.equal(innermostCause(trace), trace, 'a trace without a cause chain is its own root');
  });
  it('takes the class from a trace', () => {
    assert.equal(classOfTrace('a.b.C: boom'), 'a.b.C');
    assert.equal(classOfTrace('a.b.C'), 'a.b.C');
    assert.equal(classOfTrace('no class here'), undefined);
  });
});

describe('notRetryable policy', () => {
  const cause: EpisodeRootCause = {
    exceptionClass: 'java.lang.IllegalStateException',
    message: 'java.lang.IllegalStateException: poison pill in partition 3',
    failureLabels: {},
    jobId: 'f'.repeat(32),
  };
  it('matches by class, by message pattern, or both', () => {
    assert.ok(matchingRule(cause, [{ exceptionClass: 'java.lang.IllegalStateException' }]));
    assert.ok(matchingRule(cause, [{ messagePattern: 'poison pill' }]));
    assert.ok(
      matchingRule(cause, [{ exceptionClass: 'java.lang.IllegalStateException', messagePattern: 'partition \\d' }]),
    );
    assert.equal(
      matchingRule(cause, [{ exceptionClass: 'java.lang.IllegalStateException', messagePattern: 'nope' }]),
      undefined,
    );
    assert.equal(matchingRule(cause, [{ exceptionClass: 'java.io.IOException' }]), undefined);
    assert.equal(matchingRule(undefined, [{ messagePattern: '.*' }]), undefined);
  });
  it("a job's own list replaces the default", () => {
    const recovery = { notRetryable: [{ messagePattern: 'poison' }] };
    assert.equal(rulesFor(undefined, recovery), recovery.notRetryable);
    assert.deepEqual(rulesFor({ notRetryable: [] }, recovery), []);
  });
});
