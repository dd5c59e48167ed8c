import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JOB_STATES, isActive, type JobState } from '../../../src/flink/job-state.js';
import { screenAlert, type IncomingAlert } from '../../../src/recovery/decide/screen.js';
import { decideIntake, episodeGate, missingSince } from '../../../src/recovery/decide/intake.js';
import { attemptJobId, missingJobRoot, rootOf } from '../../../src/recovery/model/job-id.js';
import type { Episode } from '../../../src/recovery/model/episode-schema.js';
import type { RememberedJob } from '../../../src/state/job-memory.js';
import { attempt, episode, FAILED_ID, instance, T0 } from './fixtures.js';
import type { Config } from '../../../src/config/schema.js';

const catalog = {
  clusters: [{ name: 'prod' }, { name: 'stage' }],
  jobs: [{ cluster: 'prod', name: 'orders', jar: '/jars/orders.jar', args: [] }],
} as unknown as Pick<Config, 'clusters' | 'jobs'>;

const alert = (labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing'): IncomingAlert => ({
  status,
  labels,
});
const auto = { alertname: 'FlinkJobFailed', flink_recovery: 'auto', cluster: 'prod', job_name: 'orders' };

describe('screenAlert', () => {
  const rows: [string, IncomingAlert, string][] = [
    ['firing, auto, catalog job', alert(auto), 'candidate'],
    ['resolved', alert(auto, 'resolved'), 'resolved'],
    ['resolved without labels', alert({}, 'resolved'), 'resolved'],
    ['no flink_recovery', alert({ ...auto, flink_recovery: '' }), 'not_auto'],
    ['flink_recovery=manual', alert({ ...auto, flink_recovery: 'manual' }), 'not_auto'],
    [
      'no cluster',
      alert({ alertname: 'FlinkJobFailed', flink_recovery: 'auto', job_name: 'orders' }),
      'missing_labels',
    ],
    ['no job_name', alert({ alertname: 'FlinkJobFailed', flink_recovery: 'auto', cluster: 'prod' }), 'missing_labels'],
    ['empty job_name', alert({ ...auto, job_name: '' }), 'missing_labels'],
    ['unknown cluster', alert({ ...auto, cluster: 'nowhere' }), 'unknown_cluster'],
    ['not in the catalog', alert({ ...auto, job_name: 'payments' }), 'no_job_spec'],
    ['catalog job on another cluster', alert({ ...auto, cluster: 'stage' }), 'no_job_spec'],
    ['FlinkJobMissing', alert({ ...auto, alertname: 'FlinkJobMissing' }), 'candidate'],
  ];
  for (const [name, a, expected] of rows) {
    it(name, () => {
      const s = screenAlert(a, catalog);
      assert.equal(s.kind === 'skip' ? s.reason : s.kind, expected);
    });
  }
});

describe('episodeGate', () => {
  it('answers duplicates of an open episode without Flink', () => {
    assert.equal(episodeGate(undefined), undefined);
    assert.equal(episodeGate(episode()), 'cooldown');
    for (const phase of ['submitting', 'verifying', 'running'] as const)
      assert.equal(episodeGate(episode({ phase })), 'in_progress');
    assert.equal(episodeGate(episode({ status: 'exhausted' })), undefined);
    assert.equal(episodeGate(episode({ status: 'closed' })), undefined);
  });
});

const remembered = (lastState: JobState, checkpointPath?: string): RememberedJob => ({
  jobId: 'b'.repeat(32),
  lastState,
  checkpointPath,
  seenAt: T0 - 1,
});

describe('decideIntake', () => {
  const base = {
    cluster: 'prod',
    jobName: 'orders',
    now: T0,
    remembered: undefined,
    episode: undefined,
    alertStartsAt: undefined,
    missingFor: 15_000,
    resetAfter: 600_000,
    paused: false,
  };

  it('opens an episode for a FAILED current instance', () => {
    const failed = instance(FAILED_ID, 'FAILED', T0 - 60_000);
    const d = decideIntake({ ...base, live: { kind: 'ok', instances: [failed] } });
    assert.equal(d.kind, 'open');
    if (d.kind !== 'open') return;
    assert.equal(d.trigger, 'failed');
    assert.equal(d.root, rootOf(FAILED_ID));
    assert.equal(d.failedAt, failed.endTime);
    assert.equal(d.failureTimeSource, 'end_time');
  });

  it('judges the current instance (latest start), not an older failed one', () => {
    const d = decideIntake({
      ...base,
      live: {
        kind: 'ok',
        instances: [instance(FAILED_ID, 'FAILED', T0 - 60_000), instance('c'.repeat(32), 'CANCELED', T0 - 1_000)],
      },
    });
    assert.deepEqual(d, { kind: 'skip', reason: 'not_failed', jobId: 'c'.repeat(32) });
  });

  it('opens a missing episode from the remembered JobID, else a stable root', () => {
    const d1 = decideIntake({ ...base, live: { kind: 'ok', instances: [] }, remembered: remembered('RUNNING') });
    assert.ok(
      d1.kind === 'open' && d1.trigger === 'missing' && d1.root === rootOf('b'.repeat(32)) && d1.failed === undefined,
    );
    assert.equal(d1.lostJobId, 'b'.repeat(32));
    const d2 = decideIntake({ ...base, live: { kind: 'ok', instances: [] } });
    assert.ok(d2.kind === 'open' && d2.root === missingJobRoot('prod', 'orders'));
  });

  it('an attempt that failed before it ran steadily is of its episode; one that ran steadily opens its own', () => {
    const root = rootOf(FAILED_ID);
    const a2 = attemptJobId(root, 2);
    const quick = { ...instance(a2, 'FAILED', T0 - 60_000), endTime: T0 - 60_000 + 599_999 };
    const steady = { ...instance(a2, 'FAILED', T0 - 900_000), endTime: T0 - 900_000 + 600_000 };
    const d1 = decideIntake({ ...base, live: { kind: 'ok', instances: [quick] } });
    assert.equal(d1.kind === 'open' && d1.root, root);
    const d2 = decideIntake({ ...base, live: { kind: 'ok', instances: [steady] } });
    assert.equal(d2.kind === 'open' && d2.root, rootOf(a2));
    assert.notEqual(rootOf(a2), root);
  });

  it('never resubmits a job stopped on purpose', () => {
    for (const s of ['CANCELED', 'FINISHED'] as const) {
      assert.equal(
        decideIntake({ ...base, live: { kind: 'ok', instances: [] }, remembered: remembered(s) }).kind,
        'skip',
      );
    }
  });

  it('a paused job opens nothing, whatever Flink says', () => {
    const d = decideIntake({
      ...base,
      paused: true,
      live: { kind: 'ok', instances: [instance(FAILED_ID, 'FAILED', T0)] },
    });
    assert.deepEqual(d, { kind: 'skip', reason: 'paused' });
  });

  it('asks Flink, not the alert: unreachable is a skip', () => {
    assert.deepEqual(decideIntake({ ...base, live: { kind: 'unreachable', error: 'x' } }), {
      kind: 'skip',
      reason: 'flink_unreachable',
    });
  });

  it('an exhausted episode blocks the same failure but not a new one', () => {
    const exhausted = episode({
      status: 'exhausted',
      attempts: [attempt(1, attemptJobId(rootOf(FAILED_ID), 1), { result: 'failed' })],
    });
    const same = decideIntake({
      ...base,
      episode: exhausted,
      live: { kind: 'ok', instances: [instance(attemptJobId(rootOf(FAILED_ID), 1), 'FAILED', T0)] },
    });
    assert.equal(same.kind === 'skip' && same.reason, 'exhausted');
    const fresh = decideIntake({
      ...base,
      episode: exhausted,
      live: { kind: 'ok', instances: [instance('d'.repeat(32), 'FAILED', T0 + 5)] },
    });
    assert.ok(fresh.kind === 'open' && fresh.supersedes === exhausted);
    const missing = decideIntake({ ...base, episode: exhausted, live: { kind: 'ok', instances: [] } });
    assert.equal(missing.kind === 'skip' && missing.reason, 'exhausted');
  });

  // Every current-instance state × a second instance state × stored episode status × remembered last state.
  it('every combination obeys the recovery rules', () => {
    const episodes: (Episode | undefined)[] = [
      undefined,
      episode(),
      episode({ phase: 'verifying' }),
      episode({ status: 'exhausted' }),
      episode({ status: 'closed', outcome: 'recovered' }),
    ];
    const rememberedStates: (JobState | undefined)[] = [undefined, ...JOB_STATES];
    let cases = 0;
    for (const ep of episodes) {
      for (const currentState of [undefined, ...JOB_STATES]) {
        for (const olderState of [undefined, ...JOB_STATES]) {
          for (const rs of rememberedStates) {
            cases += 1;
            const instances = [];
            if (currentState !== undefined) instances.push(instance(FAILED_ID, currentState, T0 - 1_000));
            if (olderState !== undefined) instances.push(instance('e'.repeat(32), olderState, T0 - 90_000));
            const d = decideIntake({
              ...base,
              episode: ep,
              live: { kind: 'ok', instances },
              remembered: rs === undefined ? undefined : remembered(rs),
            });
            const where = `ep=${ep?.status}/${ep?.phase} current=${currentState} older=${olderState} remembered=${rs}`;
            if (d.kind !== 'open') continue;
            assert.ok(ep === undefined || ep.status !== 'open', `opened beside an open episode: ${where}`);
            assert.ok(!instances.some((j) => isActive(j.state)), `opened beside an active instance: ${where}`);
            if (instances.length > 0) {
              assert.equal(currentState ?? olderState, 'FAILED', `opened for a job that is not FAILED: ${where}`);
              assert.equal(d.trigger, 'failed');
            } else {
              assert.ok(rs !== 'CANCELED' && rs !== 'FINISHED', `resubmitted a job stopped on purpose: ${where}`);
              assert.equal(d.trigger, 'missing');
            }
          }
        }
      }
    }
    assert.ok(cases > 500);
  });
});

describe('the failure moment of a missing job', () => {
  const seen = (seenAt: number): RememberedJob => ({
    jobId: 'b'.repeat(32),
    lastState: 'RUNNING',
    checkpointPath: undefined,
    seenAt,
  });
  const rows: [string, RememberedJob | undefined, number | undefined, number, string][] = [
    ['the last scrape that saw it wins over the alert', seen(T0 - 61_000), T0 - 20_000, T0 - 61_000, 'last_seen'],
    ['without memory: the alert start minus the rule for:', undefined, T0 - 20_000, T0 - 35_000, 'alert'],
    ['a remembered time in the future is not evidence', seen(T0 + 5_000), T0 - 20_000, T0 - 35_000, 'alert'],
    ['an alert start in the future is not evidence', undefined, T0 + 60_000, T0, 'episode_open'],
    ['nothing known: the episode opening', undefined, undefined, T0, 'episode_open'],
  ];
  for (const [name, remembered, alertStartsAt, failedAt, source] of rows) {
    it(name, () => {
      assert.deepEqual(missingSince({ remembered, alertStartsAt, missingFor: 15_000, now: T0 }), {
        failedAt,
        failureTimeSource: source,
      });
    });
  }
});
