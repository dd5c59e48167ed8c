import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JOB_STATES, isActive, type JobState } from '../../../src/flink/job-state.js';
import type { JobOverview } from '../../../src/flink/types.js';
import { pollInterval } from '../../../src/recovery/model/timing.js';
import { decideTick, MAX_SUBMIT_TRIES, type TickDecision } from '../../../src/recovery/decide/step.js';
import { attemptJobId, rootOf } from '../../../src/recovery/model/job-id.js';
import type { LiveView } from '../../../src/recovery/model/live.js';
import { applyTick } from '../../../src/recovery/model/episode.js';
import type { Episode } from '../../../src/recovery/model/episode-schema.js';
import { attempt, episode, FAILED_ID, instance, recoveryConfig, T0 } from './fixtures.js';

const cfg = recoveryConfig();
const A1 = attemptJobId(rootOf(FAILED_ID), 1);
const A2 = attemptJobId(rootOf(FAILED_ID), 2);
const A3 = attemptJobId(rootOf(FAILED_ID), 3);
const OTHER = 'a'.repeat(32);

const ok = (...instances: JobOverview[]): LiveView => ({ kind: 'ok', instances });
const failedOnly = ok(instance(FAILED_ID, 'FAILED', T0 - 60_000));

interface Row {
  readonly name: string;
  readonly ep: Episode;
  readonly live: LiveView;
  readonly now: number;
  readonly expect: Partial<TickDecision> & { kind: TickDecision['kind'] };
}

const verifying = (_state: JobState | undefined, submittedAt = T0): Episode =>
  episode({ phase: 'verifying', attempts: [attempt(1, A1, { submittedAt })] });
const withAttempt = (state: JobState): LiveView =>
  ok(instance(FAILED_ID, 'FAILED', T0 - 60_000), instance(A1, state, T0));

const rows: Row[] = [
  {
    name: 'first attempt at once',
    ep: episode(),
    live: failedOnly,
    now: T0,
    expect: { kind: 'attempt', n: 1, jobId: A1 },
  },
  {
    name: 'cooldown not over',
    ep: episode({ nextAttemptAt: T0 + 10 }),
    live: failedOnly,
    now: T0,
    expect: { kind: 'wait', reason: 'cooldown', wakeAt: T0 + 10 },
  },
  {
    name: 'cooldown over exactly',
    ep: episode({ nextAttemptAt: T0 + 10 }),
    live: failedOnly,
    now: T0 + 10,
    expect: { kind: 'attempt', n: 1 },
  },
  {
    name: 'second attempt after a failed first',
    ep: episode({ attempts: [attempt(1, A1, { result: 'failed' })], nextAttemptAt: T0 }),
    live: withAttempt('FAILED'),
    now: T0,
    expect: { kind: 'attempt', n: 2, jobId: A2 },
  },
  {
    name: 'attempts spent while waiting',
    ep: episode({
      attempts: [
        attempt(1, A1, { result: 'failed' }),
        attempt(2, A2, { result: 'failed' }),
        attempt(3, A3, { result: 'failed' }),
      ],
    }),
    live: failedOnly,
    now: T0,
    expect: { kind: 'exhaust' },
  },
  {
    name: 'unreachable while waiting',
    ep: episode(),
    live: { kind: 'unreachable', error: 'x' },
    now: T0,
    expect: { kind: 'wait', reason: 'flink_unreachable' },
  },
  {
    name: 'someone else resubmitted',
    ep: episode(),
    live: ok(instance(FAILED_ID, 'FAILED', T0 - 1), instance(OTHER, 'RUNNING', T0)),
    now: T0,
    expect: { kind: 'abandon', reason: 'superseded' },
  },
  {
    name: 'a foreign terminal instance is ignored',
    ep: episode(),
    live: ok(instance(FAILED_ID, 'FAILED', T0 - 1), instance(OTHER, 'FAILED', T0 - 2)),
    now: T0,
    expect: { kind: 'attempt' },
  },
  {
    name: 'missing job: nothing there yet',
    ep: episode({ trigger: 'missing' }),
    live: ok(),
    now: T0,
    expect: { kind: 'attempt', n: 1 },
  },
  {
    name: 'submitting, not landed: resubmit the same JobID',
    ep: episode({ phase: 'submitting', attempts: [attempt(1, A1)] }),
    live: failedOnly,
    now: T0,
    expect: { kind: 'resubmit', n: 1, jobId: A1 },
  },
  {
    name: 'submitting, landed',
    ep: episode({ phase: 'submitting', attempts: [attempt(1, A1)] }),
    live: withAttempt('INITIALIZING'),
    now: T0,
    expect: { kind: 'landed', n: 1 },
  },
  {
    name: 'submitting, landed and already failed',
    ep: episode({ phase: 'submitting', attempts: [attempt(1, A1)] }),
    live: withAttempt('FAILED'),
    now: T0,
    expect: { kind: 'landed', n: 1 },
  },
  {
    name: 'submitting, tries spent',
    ep: episode({ phase: 'submitting', attempts: [attempt(1, A1, { submitTries: MAX_SUBMIT_TRIES })] }),
    live: failedOnly,
    now: T0,
    expect: { kind: 'attempt_failed', reason: 'submit_failed' },
  },
  {
    name: 'submitting, unreachable: do not guess',
    ep: episode({ phase: 'submitting', attempts: [attempt(1, A1)] }),
    live: { kind: 'unreachable', error: 'x' },
    now: T0,
    expect: { kind: 'wait', reason: 'flink_unreachable' },
  },
  {
    name: 'verifying, RUNNING',
    ep: verifying('RUNNING'),
    live: withAttempt('RUNNING'),
    now: T0 + 1,
    expect: { kind: 'running', n: 1 },
  },
  {
    name: 'verifying, INITIALIZING',
    ep: verifying('INITIALIZING'),
    live: withAttempt('INITIALIZING'),
    now: T0 + 1,
    expect: { kind: 'wait', reason: 'verifying' },
  },
  {
    name: 'verifying, not yet listed',
    ep: verifying(undefined),
    live: failedOnly,
    now: T0 + 1,
    expect: { kind: 'wait', reason: 'verifying' },
  },
  {
    name: 'verifying, deadline passed',
    ep: verifying('INITIALIZING'),
    live: withAttempt('INITIALIZING'),
    now: T0 + cfg.verifyTimeout,
    expect: { kind: 'attempt_failed', reason: 'verify_timeout' },
  },
  {
    name: 'verifying, never listed, deadline passed',
    ep: verifying(undefined),
    live: failedOnly,
    now: T0 + cfg.verifyTimeout + 1,
    expect: { kind: 'attempt_failed', reason: 'verify_timeout' },
  },
  {
    name: 'verifying, FAILED',
    ep: verifying('FAILED'),
    live: withAttempt('FAILED'),
    now: T0 + 1,
    expect: { kind: 'attempt_failed', reason: 'instance_failed' },
  },
  {
    name: 'verifying, SUSPENDED',
    ep: verifying('SUSPENDED'),
    live: withAttempt('SUSPENDED'),
    now: T0 + 1,
    expect: { kind: 'attempt_failed', reason: 'instance_failed' },
  },
  {
    name: 'verifying, CANCELED by a person',
    ep: verifying('CANCELED'),
    live: withAttempt('CANCELED'),
    now: T0 + 1,
    expect: { kind: 'abandon', reason: 'canceled' },
  },
  {
    name: 'verifying, FINISHED',
    ep: verifying('FINISHED'),
    live: withAttempt('FINISHED'),
    now: T0 + 1,
    expect: { kind: 'abandon', reason: 'finished' },
  },
  {
    name: 'running, steady long enough',
    ep: episode({ phase: 'running', runningSince: T0, attempts: [attempt(1, A1, { result: 'succeeded' })] }),
    live: withAttempt('RUNNING'),
    now: T0 + cfg.resetAfter,
    expect: { kind: 'recovered' },
  },
  {
    name: 'running, not yet steady',
    ep: episode({ phase: 'running', runningSince: T0, attempts: [attempt(1, A1, { result: 'succeeded' })] }),
    live: withAttempt('RUNNING'),
    now: T0 + 1,
    expect: { kind: 'wait', reason: 'stabilizing' },
  },
  {
    name: 'running, restarting',
    ep: episode({ phase: 'running', runningSince: T0, attempts: [attempt(1, A1, { result: 'succeeded' })] }),
    live: withAttempt('RESTARTING'),
    now: T0 + 1,
    expect: { kind: 'unsteady', n: 1 },
  },
  {
    name: 'running, still restarting',
    ep: episode({ phase: 'running', attempts: [attempt(1, A1, { result: 'succeeded' })] }),
    live: withAttempt('RESTARTING'),
    now: T0 + 1,
    expect: { kind: 'wait', reason: 'restarting' },
  },
  {
    name: 'running again after restarting',
    ep: episode({ phase: 'running', attempts: [attempt(1, A1, { result: 'succeeded' })] }),
    live: withAttempt('RUNNING'),
    now: T0 + 1,
    expect: { kind: 'running', n: 1 },
  },
  {
    name: 'running, failed again',
    ep: episode({ phase: 'running', runningSince: T0, attempts: [attempt(1, A1, { result: 'succeeded' })] }),
    live: withAttempt('FAILED'),
    now: T0 + 1,
    expect: { kind: 'refailed', n: 1 },
  },
  {
    name: 'running, vanished (JobManager lost it)',
    ep: episode({ phase: 'running', runningSince: T0, attempts: [attempt(1, A1, { result: 'succeeded' })] }),
    live: failedOnly,
    now: T0 + 1,
    expect: { kind: 'refailed', n: 1 },
  },
  {
    name: 'waiting, the failed attempt came up late',
    ep: episode({ attempts: [attempt(1, A1, { result: 'failed' })], nextAttemptAt: T0 + 100 }),
    live: withAttempt('RUNNING'),
    now: T0,
    expect: { kind: 'running', n: 1 },
  },
  {
    name: 'waiting, our attempt is still restarting',
    ep: episode({ attempts: [attempt(1, A1, { result: 'failed' })] }),
    live: withAttempt('RESTARTING'),
    now: T0,
    expect: { kind: 'wait', reason: 'instance_active' },
  },
  {
    name: 'exhausted, still failed',
    ep: episode({ status: 'exhausted' }),
    live: failedOnly,
    now: T0,
    expect: { kind: 'wait', reason: 'exhausted' },
  },
  {
    name: 'exhausted, runs again',
    ep: episode({ status: 'exhausted' }),
    live: ok(instance(OTHER, 'RUNNING', T0)),
    now: T0,
    expect: { kind: 'clear', reason: 'ran_again' },
  },
  {
    name: 'exhausted, unreachable',
    ep: episode({ status: 'exhausted' }),
    live: { kind: 'unreachable', error: 'x' },
    now: T0,
    expect: { kind: 'wait', reason: 'flink_unreachable' },
  },
  { name: 'closed', ep: episode({ status: 'closed' }), live: failedOnly, now: T0, expect: { kind: 'none' } },
];

describe('decideTick: the table', () => {
  for (const row of rows) {
    it(row.name, () => {
      const d = decideTick(row.ep, row.live, cfg, row.now);
      for (const [key, value] of Object.entries(row.expect)) {
        assert.deepEqual((d as unknown as Record<string, unknown>)[key], value, `${key} of ${JSON.stringify(d)}`);
      }
    });
  }
});

// Every combination of: phase × attempts made × the failed instance's state × the last attempt's state (or
// absent) × a foreign instance × the time relative to each deadline × runningSince. Checks the invariants that
// must hold whatever the combination.
describe('decideTick: invariants over every combination', () => {
  const phases = ['waiting', 'submitting', 'verifying', 'running'] as const;
  const attemptStates: (JobState | undefined)[] = [undefined, ...JOB_STATES];
  const foreign: (JobState | undefined)[] = [undefined, 'RUNNING', 'RESTARTING', 'FAILED', 'CANCELED'];
  const offsets = [-1, 0, 1, cfg.cooldown, cfg.verifyTimeout, cfg.resetAfter, cfg.resetAfter * 10];
  const configs = [cfg, recoveryConfig({ maxAttempts: 1 }), recoveryConfig({ maxAttempts: 5, backoffFactor: 2 })];

  it('holds for every combination', () => {
    let cases = 0;
    for (const config of configs) {
      for (const phase of phases) {
        for (let made = phase === 'waiting' ? 0 : 1; made <= config.maxAttempts; made += 1) {
          for (const lastState of attemptStates) {
            for (const other of foreign) {
              for (const off of offsets) {
                for (const runningSince of [undefined, T0]) {
                  cases += 1;
                  const ids = Array.from({ length: made }, (_, i) => attemptJobId(rootOf(FAILED_ID), i + 1));
                  const attempts = ids.map((id, i) =>
                    attempt(i + 1, id, {
                      result:
                        i + 1 < made || phase === 'waiting' ? 'failed' : phase === 'running' ? 'succeeded' : 'pending',
                      submittedAt: T0,
                    }),
                  );
                  const ep = episode({
                    phase,
                    attempts,
                    nextAttemptAt: T0 + cfg.cooldown,
                    ...(runningSince === undefined ? {} : { runningSince }),
                  });
                  const instances = [instance(FAILED_ID, 'FAILED', T0 - 60_000)];
                  const lastId = ids[ids.length - 1];
                  if (lastState !== undefined && lastId !== undefined) instances.push(instance(lastId, lastState, T0));
                  if (other !== undefined) instances.push(instance(OTHER, other, T0 + 5));
                  const now = T0 + off;
                  const d = decideTick(ep, ok(...instances), config, now);
                  const where =
                    `${phase} made=${made} last=${lastState} other=${other} off=${off} ` +
                    `since=${runningSince} max=${config.maxAttempts}`;

                  if (other !== undefined && isActive(other))
                    assert.deepEqual(d, { kind: 'abandon', reason: 'superseded' }, where);
                  if (d.kind === 'attempt') {
                    assert.equal(phase, 'waiting', where);
                    assert.ok(made < config.maxAttempts, `attempt beyond maxAttempts: ${where}`);
                    assert.ok(now >= ep.nextAttemptAt, `attempt before the cooldown: ${where}`);
                    assert.equal(d.n, made + 1, where);
                    assert.equal(d.jobId, attemptJobId(rootOf(FAILED_ID), made + 1), where);
                    assert.ok(!instances.some((j) => isActive(j.state)), `attempt beside an active instance: ${where}`);
                  }
                  if (d.kind === 'resubmit') {
                    assert.equal(phase, 'submitting', where);
                    assert.equal(d.jobId, lastId, where);
                    assert.equal(lastState, undefined, `resubmitting a JobID Flink knows: ${where}`);
                  }
                  if (d.kind === 'wait') assert.ok(d.wakeAt > now, `a wait must lie in the future: ${where}`);
                  if (lastState === 'CANCELED' && lastId !== undefined && !(other !== undefined && isActive(other)))
                    assert.deepEqual(d, { kind: 'abandon', reason: 'canceled' }, where);
                  if (d.kind === 'recovered') {
                    assert.equal(lastState, 'RUNNING', where);
                    assert.ok(runningSince !== undefined && now - runningSince >= config.resetAfter, where);
                  }
                  assert.deepEqual(
                    decideTick(ep, { kind: 'unreachable', error: 'down' }, config, now).kind,
                    'wait',
                    where,
                  );
                }
              }
            }
          }
        }
      }
    }
    assert.ok(cases > 10_000, `only ${cases} cases`);
  });

  it('applying a decision never loops: a few steps reach a wait, an action or an end', () => {
    for (const lastState of attemptStates) {
      for (const phase of phases) {
        let ep = episode({ phase, attempts: phase === 'waiting' ? [] : [attempt(1, A1, { submittedAt: T0 })] });
        const live = lastState === undefined ? failedOnly : withAttempt(lastState);
        let steps = 0;
        for (;;) {
          const d = decideTick(ep, live, cfg, T0 + 1);
          if (['wait', 'none', 'attempt', 'resubmit'].includes(d.kind) || ep.status !== 'open') break;
          ep = applyTick(ep, d, cfg, T0 + 1).episode;
          steps += 1;
          assert.ok(steps < 6, `no progress: ${phase} ${lastState} ${JSON.stringify(d)}`);
        }
      }
    }
  });

  it('polls at least every few seconds while verifying and stabilizing', () => {
    const d = decideTick(verifying('INITIALIZING'), withAttempt('INITIALIZING'), cfg, T0 + 1);
    assert.equal(d.kind, 'wait');
    if (d.kind === 'wait') assert.ok(d.wakeAt - (T0 + 1) <= pollInterval(cfg));
  });
});
