import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cooldownAfter,
  intakeRetryAt,
  nextAttemptAt,
  pollInterval,
  wakeGrid,
  wakeSlot,
  watchInterval,
} from '../../../src/recovery/model/timing.js';
import { attemptJobId, missingJobRoot, rootOf } from '../../../src/recovery/model/job-id.js';
import {
  applyTick,
  beginAttempt,
  countSubmitTry,
  attemptSubmitted,
  failAttempt,
  openEpisode,
  abandon,
} from '../../../src/recovery/model/episode.js';
import { decideTick } from '../../../src/recovery/decide/step.js';
import { episodeSchema } from '../../../src/recovery/model/episode-schema.js';
import { attempt, episode, FAILED_ID, instance, recoveryConfig, T0 } from './fixtures.js';

describe('attemptJobId', () => {
  it('is 32 lower-case hex, stable, distinct per attempt and per failed instance', () => {
    const seen = new Set<string>();
    for (const base of [FAILED_ID, 'a'.repeat(32), missingJobRoot('prod', 'orders')]) {
      for (let n = 1; n <= 100; n += 1) {
        const id = attemptJobId(rootOf(base), n);
        assert.match(id, /^[0-9a-f]{32}$/);
        assert.equal(id, attemptJobId(rootOf(base), n));
        assert.ok(!seen.has(id));
        seen.add(id);
      }
    }
    assert.notEqual(missingJobRoot('prod', 'orders'), missingJobRoot('prod', 'orders2'));
  });
});

describe('backoff', () => {
  it('grows by backoffFactor and is capped by maxCooldown', () => {
    const cfg = { cooldown: 1_000, backoffFactor: 2, maxCooldown: 5_000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 10].map((n) => cooldownAfter(n, cfg)),
      [1_000, 2_000, 4_000, 5_000, 5_000, 5_000],
    );
    assert.equal(cooldownAfter(7, { cooldown: 1_000, backoffFactor: 1, maxCooldown: 5_000 }), 1_000);
  });
  it('never goes below the base cooldown, even with a smaller cap', () => {
    assert.equal(cooldownAfter(3, { cooldown: 10_000, backoffFactor: 3, maxCooldown: 1_000 }), 10_000);
  });
  it('is monotonic and bounded for every factor', () => {
    for (const factor of [1, 1.5, 2, 3, 10]) {
      let prev = 0;
      for (let n = 1; n <= 50; n += 1) {
        const c = cooldownAfter(n, { cooldown: 500, backoffFactor: factor, maxCooldown: 60_000 });
        assert.ok(c >= prev && c <= 60_000 && c >= 500);
        prev = c;
      }
    }
  });
  it('counts the cooldown from the previous attempt start, never into the past', () => {
    const cfg = { cooldown: 1_000, backoffFactor: 1, maxCooldown: 1_000 };
    assert.equal(nextAttemptAt(1, T0, cfg, T0 + 10), T0 + 1_000);
    assert.equal(nextAttemptAt(1, T0, cfg, T0 + 5_000), T0 + 5_000);
  });
  it('polls within bounds', () => {
    assert.equal(pollInterval(recoveryConfig()), 5_000);
    assert.equal(pollInterval(recoveryConfig({ cooldown: 100, verifyTimeout: 100, resetAfter: 100 })), 20);
    assert.equal(watchInterval(recoveryConfig({ cooldown: 10 })), 50);
  });
  it('looks again at an alert Flink could not judge every poll for verifyTimeout after it came', () => {
    const cfg = recoveryConfig(); // poll 5 s, verifyTimeout 2 min
    assert.equal(intakeRetryAt(T0, T0, cfg), T0 + 5_000);
    assert.equal(intakeRetryAt(T0, T0 + 115_000, cfg), T0 + 120_000);
    assert.equal(intakeRetryAt(T0, T0 + 115_001, cfg), undefined);
    assert.equal(intakeRetryAt(T0 + 200_000, T0 + 200_000, cfg), T0 + 205_000, 'a new notification starts over');
  });
  it('wakes on a grid of a quarter poll, never early and less than one slot late', () => {
    assert.equal(wakeGrid(recoveryConfig()), 1_250);
    assert.equal(wakeGrid(recoveryConfig({ cooldown: 100, verifyTimeout: 100, resetAfter: 100 })), 5);
    const grid = wakeGrid(recoveryConfig());
    for (let at = T0 - 3_000; at < T0 + 3_000; at += 37) {
      const slot = wakeSlot(at, grid);
      assert.ok(slot >= at && slot - at < grid, `${at} -> ${slot}`);
      assert.equal(slot % grid, 0);
    }
    assert.equal(wakeSlot(T0 + 1, grid), wakeSlot(T0 + grid - 1, grid), 'wake-ups within one slot coincide');
  });
});

describe('transitions', () => {
  const cfg = recoveryConfig();
  const A1 = attemptJobId(rootOf(FAILED_ID), 1);

  it('a new episode starts at once, or after the cooldown of the previous episode’s last attempt', () => {
    const decision = {
      kind: 'open',
      trigger: 'failed',
      failed: instance(FAILED_ID, 'FAILED', T0),
      lostJobId: undefined,
      root: rootOf(FAILED_ID),
      failureTimeSource: 'end_time',
      failedAt: T0,
      supersedes: undefined,
    } as const;
    const a = openEpisode({ id: 'x', cluster: 'prod', jobName: 'orders', decision, previous: undefined }, cfg, T0);
    assert.equal(a.episode.nextAttemptAt, T0);
    assert.equal(a.episode.failedJobId, FAILED_ID);
    const previous = episode({ status: 'closed', attempts: [attempt(1, A1, { startedAt: T0 - 10_000 })] });
    const b = openEpisode({ id: 'y', cluster: 'prod', jobName: 'orders', decision, previous }, cfg, T0);
    assert.equal(b.episode.nextAttemptAt, T0 - 10_000 + cfg.cooldown);
    assert.ok(episodeSchema.safeParse(b.episode).success);
  });

  it('intent, submission, RUNNING, steady: recovered', () => {
    let ep = beginAttempt(
      episode(),
      { n: 1, jobId: A1, restoreFrom: 'checkpoint', restorePath: '/c/chk-1' },
      T0,
    ).episode;
    assert.equal(ep.phase, 'submitting');
    ep = countSubmitTry(ep);
    assert.equal(ep.attempts[0]?.submitTries, 1);
    ep = attemptSubmitted(ep, T0 + 1).episode;
    assert.equal(ep.phase, 'verifying');
    const running = applyTick(ep, { kind: 'running', n: 1 }, cfg, T0 + 2);
    assert.deepEqual(
      running.events.map((e) => e.type),
      ['attempt_succeeded', 'instance_running'],
    );
    const ev = running.events[1];
    assert.ok(ev?.type === 'instance_running' && ev.secondsSinceFailure === (T0 + 2 - (T0 - 5_000)) / 1000);
    const done = applyTick(running.episode, { kind: 'recovered' }, cfg, T0 + 3);
    assert.equal(done.episode.status, 'closed');
    assert.equal(done.episode.outcome, 'recovered');
    assert.ok(episodeSchema.safeParse(done.episode).success);
  });

  it('a refused restore point is remembered and the attempt counts', () => {
    const ep = countSubmitTry(
      beginAttempt(episode(), { n: 1, jobId: A1, restoreFrom: 'checkpoint', restorePath: '/c/chk-1' }, T0).episode,
    );
    const t = failAttempt(ep, 'restore_refused', cfg, T0 + 1, 'HTTP 400');
    assert.deepEqual(t.episode.refusedPaths, ['/c/chk-1']);
    assert.equal(t.episode.phase, 'waiting');
    // The cooldown counts from the failure (Flink's end-time where there is one), which every replica reads alike.
    assert.equal(t.episode.nextAttemptAt, T0 + 1 + cfg.cooldown);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['attempt_failed'],
    );
  });

  it('the last allowed attempt failing exhausts the episode, decided by the next step', () => {
    let ep = episode();
    for (let n = 1; n <= cfg.maxAttempts; n += 1) {
      ep = countSubmitTry(
        beginAttempt(
          ep,
          { n, jobId: attemptJobId(rootOf(FAILED_ID), n), restoreFrom: 'none', restorePath: undefined },
          T0,
        ).episode,
      );
      const t = failAttempt(ep, 'instance_failed', cfg, T0 + n);
      assert.deepEqual(
        t.events.map((e) => e.type),
        ['attempt_failed'],
      );
      ep = t.episode;
      assert.equal(ep.status, 'open');
      const next = decideTick(ep, { kind: 'ok', instances: [] }, cfg, T0 + n);
      if (n < cfg.maxAttempts) assert.equal(next.kind, 'wait');
      else {
        assert.deepEqual(next, { kind: 'exhaust', reason: 'max_attempts' });
        ep = applyTick(ep, next, cfg, T0 + n).episode;
      }
    }
    assert.equal(ep.status, 'exhausted');
    assert.equal(ep.outcome, 'exhausted');
  });

  it('abandoning with a submitted attempt in flight counts it as failed', () => {
    const ep = episode({ phase: 'verifying', attempts: [attempt(1, A1)] });
    const t = abandon(ep, 'canceled', T0);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['attempt_failed', 'ended'],
    );
    assert.equal(t.episode.outcome, 'abandoned');
  });

  it('a failure after RUNNING restarts the clock of time to recover', () => {
    const ep = episode({ phase: 'running', runningSince: T0, attempts: [attempt(1, A1, { result: 'succeeded' })] });
    const t = applyTick(ep, { kind: 'refailed', n: 1, at: T0 + 40, source: 'end_time' }, cfg, T0 + 50);
    assert.equal(t.episode.failedAt, T0 + 40);
    assert.equal(t.episode.failureTimeSource, 'end_time');
    assert.equal(t.episode.phase, 'waiting');
    assert.equal(t.episode.runningSince, undefined);
  });
});
