import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAttempt, type AttemptOutcome, type RetryVerdict } from '../../../src/flink/retry.js';

const response = (status: number): AttemptOutcome => ({ kind: 'response', status });

describe('classifyAttempt', () => {
  const cases: [string, string, AttemptOutcome, RetryVerdict][] = [
    ['GET 200', 'GET', response(200), { kind: 'final', reason: 'success' }],
    ['GET 404', 'GET', response(404), { kind: 'final', reason: 'status' }],
    ['GET 500', 'GET', response(500), { kind: 'final', reason: 'status' }],
    ['GET 503 (leader election)', 'GET', response(503), { kind: 'retry', reason: 'unavailable' }],
    ['GET 429', 'GET', response(429), { kind: 'retry', reason: 'unavailable' }],
    ['GET 502', 'GET', response(502), { kind: 'retry', reason: 'unavailable' }],
    ['GET 504', 'GET', response(504), { kind: 'retry', reason: 'unavailable' }],
    ['POST 503', 'POST', response(503), { kind: 'final', reason: 'not_idempotent' }],
    ['GET timeout', 'GET', { kind: 'failure', reason: 'timeout' }, { kind: 'retry', reason: 'timeout' }],
    ['GET reset', 'GET', { kind: 'failure', reason: 'transport' }, { kind: 'retry', reason: 'transport' }],
    ['POST reset', 'POST', { kind: 'failure', reason: 'transport' }, { kind: 'final', reason: 'not_idempotent' }],
    ['GET aborted', 'GET', { kind: 'failure', reason: 'aborted' }, { kind: 'final', reason: 'aborted' }],
    ['GET too large', 'GET', { kind: 'failure', reason: 'too_large' }, { kind: 'final', reason: 'too_large' }],
  ];
  for (const [title, method, outcome, expected] of cases) {
    it(title, () => assert.deepEqual(classifyAttempt(method, outcome), expected));
  }
});
