/**
 * Two flink-guardian replicas (each its own port and stateDir, never talking to each other) behind two gossiping
 * Alertmanagers that send every notification to both, on real Flink, Prometheus and Alertmanager: each attempt
 * of an episode is submitted once between them, and both end with the same attempts and outcome, also when one
 * replica starts with an empty stateDir in the middle of the episode. And the operator's will: a job whose
 * FlinkJobFailed is silenced in Alertmanager is not recovered, nor one paused through the API, until the silence
 * is gone or the job resumed. One stack per Flink version, the scenarios one after another, each with its own job.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe } from 'node:test';
import {
  checkpointStats,
  elapsed,
  flinkVersions,
  sleep,
  waitFor,
  waitForJobState,
  type JobOverview,
} from './harness/index.js';
import { GUARDIAN_CLUSTER, startStack, type GuardianEpisode, type GuardianProcess, type Stack } from './stack.js';
import {
  ScenarioRun,
  alertOf,
  attemptLines,
  deployStopped,
  failForGood,
  runDir,
  startJob,
  waitEpisode,
} from './steps.js';

const RESTART_ATTEMPTS = 2;
/** Ends an instance FAILED (Flink's restart attempts used up). */
const FAILS_TO_END_FAILED = RESTART_ATTEMPTS + 1;
const MAX_ATTEMPTS = 3;
/** Long enough that a replica can join between an attempt's failure and the next attempt. */
const COOLDOWN = '10s';
/** Longer than FlinkJobFailed's `for: 10s` plus a scrape, an evaluation, group_wait and a group_interval. */
const ALERT_WINDOW_MS = 22_000;

const JOBS = {
  twice: 'r1-fails-twice',
  lateReplica: 'r2-late-fresh-replica',
  silenced: 'r3-silenced',
  paused: 'r4-paused',
} as const;

const describeInstances = (list: readonly JobOverview[]): string => list.map((j) => `${j.jid} ${j.state}`).join(', ');

/**
 * What two replicas must agree on, against what Flink lists: every instance after the first is exactly one
 * attempt (no attempt twice, none from nowhere), at most maxAttempts, at most one live instance, and both replicas
 * name the same JobID for each attempt and end with the same outcome.
 */
async function assertOneInstancePerAttempt(s: Stack, name: string, id0: string): Promise<GuardianEpisode[]> {
  const episodes = await Promise.all(
    s.guardians.map((g) =>
      waitEpisode(g, name, 'the episode to end', (e) => e.status !== 'open' && e.outcome !== undefined),
    ),
  );
  const instances = await s.instances(name);
  const [a, b] = episodes as [GuardianEpisode, GuardianEpisode];
  const detail =
    `instances: ${describeInstances(instances)}; ` +
    `replica A: ${JSON.stringify(a.attempts)}; replica B: ${JSON.stringify(b.attempts)}`;
  assert.equal(instances[0]?.jid, id0, detail);
  const successors = instances.slice(1).map((j) => j.jid);
  assert.ok(successors.length >= 1, `at least one resubmission; ${detail}`);
  assert.ok(successors.length <= MAX_ATTEMPTS, `attempts <= maxAttempts; ${detail}`);
  assert.equal(new Set(successors).size, successors.length, detail);
  assert.ok(instances.filter((j) => !['FAILED', 'CANCELED', 'FINISHED'].includes(j.state)).length <= 1, detail);
  // A replica lists the attempts it made or followed (one that joined late may not list the earlier ones), but
  // attempt n is the n-th successor for both, and both count as many attempts as Flink lists.
  for (const e of episodes) {
    for (const x of e.attempts) {
      assert.equal(x.jobId, successors[x.n - 1], `attempt ${x.n} of ${e.id} is the ${x.n}. successor; ${detail}`);
    }
    assert.equal(Math.max(0, ...e.attempts.map((x) => x.n)), successors.length, `attempt count; ${detail}`);
  }
  assert.equal(a.outcome, b.outcome, `both replicas end with the same outcome; ${detail}`);
  assert.equal(a.status, b.status, detail);
  // Never from stale state: the instance that runs in the end restored a checkpoint of this job.
  const last = instances[instances.length - 1];
  if (last?.state === 'RUNNING') {
    const restored = (await checkpointStats(s.flink.restUrl, last.jid)).latest.restored;
    const earlier = instances.slice(0, -1).map((j) => j.jid);
    assert.ok(
      restored !== null && earlier.some((id) => restored.external_path.includes(id)),
      `${last.jid} restored ${restored?.external_path ?? 'nothing'}; ${detail}`,
    );
  }
  return episodes;
}

/** A notification as Alertmanager posts it for the job's FlinkJobFailed (labels as Prometheus sends them). */
function failedNotification(labels: Record<string, string>, startsAt: string): unknown {
  return {
    version: '4',
    groupKey: `{}/{flink_recovery="auto"}:{cluster="${GUARDIAN_CLUSTER}", job_name="${labels.job_name}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'flink-guardian',
    groupLabels: { cluster: GUARDIAN_CLUSTER, job_name: labels.job_name },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: {},
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'e2e00000000000a2',
      },
    ],
  };
}

interface AmAlert {
  labels: Record<string, string>;
  status: { state: string; silencedBy: string[] };
}

async function amAlerts(amUrl: string, name: string): Promise<AmAlert[]> {
  const filter = encodeURIComponent(`job_name="${name}"`);
  const res = await fetch(`${amUrl}/api/v2/alerts?filter=${filter}`, { signal: AbortSignal.timeout(10_000) });
  return (await res.json()) as AmAlert[];
}

for (const version of flinkVersions()) {
  describe(`Flink ${version}: two flink-guardian replicas, silence and pause`, { timeout: 25 * 60_000 }, () => {
    const run = new ScenarioRun();
    const dir = runDir('replicas', version);
    run.useStack(`Flink ${version} replicas`, dir, () =>
      startStack({
        version,
        dir,
        jobs: Object.values(JOBS),
        alertmanagers: 2,
        guardians: 2,
        restartAttempts: RESTART_ATTEMPTS,
        slots: 4,
        recovery: { maxAttempts: MAX_ATTEMPTS, cooldown: COOLDOWN, resetAfter: '15s', verifyTimeout: '45s' },
        beforeGuardian: deployStopped(Object.values(JOBS)),
      }),
    );

    run.scenario(
      'R1. fails, is resubmitted and fails again: one instance per attempt between both replicas, same outcome',
      JOBS.twice,
      async (s, t) => {
        const name = JOBS.twice;
        const id0 = await startJob(s, name);
        // The original and attempt 1 each end FAILED; attempt 2 then runs cleanly.
        await failForGood(s, name, id0, 2 * FAILS_TO_END_FAILED);
        const [a, b] = await assertOneInstancePerAttempt(s, name, id0);
        assert.equal(a?.outcome, 'recovered');
        assert.equal(a?.attempts.length, 2, 'attempt 1 failed, attempt 2 recovered');
        const starts = s.guardians.map((g) => attemptLines(g, name).length);
        t.diagnostic(
          `attempts ${a?.attempts.map((x) => x.jobId).join(', ')}; "attempt n starting" lines per replica: ` +
            `${starts.join('/')}; replica B: ${b?.attempts.length} attempts`,
        );
      },
    );

    run.scenario(
      'R2. a replica with an empty stateDir joins after attempt 1 failed, notified just before the next attempt',
      JOBS.lateReplica,
      async (s, t) => {
        const name = JOBS.lateReplica;
        const [first, late] = s.guardians as [GuardianProcess, GuardianProcess];
        await late.stop();
        const id0 = await startJob(s, name);
        await failForGood(s, name, id0, 2 * FAILS_TO_END_FAILED);
        // Replica A alone: attempt 1 is submitted and fails.
        const withAttempt = await waitEpisode(first, name, 'attempt 1 to be submitted', (e) => e.attempts.length >= 1);
        const x1 = withAttempt.attempts[0]?.jobId ?? '';
        await waitForJobState(s.flink.restUrl, x1, ['FAILED'], 120_000);
        const failedAt = performance.now();
        // Replica B starts from nothing: it knows only what Flink lists, where the newest failure is attempt 1.
        rmSync(late.stateDir, { recursive: true, force: true });
        await late.start();
        t.diagnostic(`replica B up with an empty stateDir ${elapsed(failedAt)} ms after attempt 1 FAILED`);
        // Notified of the failure (as Alertmanager words it) every 100 ms until replica A started attempt 2 (or
        // gave its episode up: the assertions below then say what went wrong).
        const labels = { alertname: 'FlinkJobFailed', cluster: GUARDIAN_CLUSTER, job_name: name };
        const firing = await alertOf(s, 'FlinkJobFailed', name);
        const payload = failedNotification(
          { ...labels, severity: 'critical', flink_recovery: 'auto', ...firing?.labels },
          new Date().toISOString(),
        );
        let posts = 0;
        await waitFor(
          async () => {
            assert.equal(await late.postWebhook(payload), 200);
            posts += 1;
            const e = await first.episode(name);
            return e !== undefined && (e.status !== 'open' || e.attempts.some((x) => x.n >= 2));
          },
          90_000,
          { what: 'replica A to start attempt 2 or end its episode', intervalMs: 100 },
        );
        for (let i = 0; i < 10; i += 1) {
          assert.equal(await late.postWebhook(payload), 200);
          await sleep(100);
        }
        t.diagnostic(`${posts + 10} notifications to replica B around replica A's attempt 2`);
        const [a, b] = await assertOneInstancePerAttempt(s, name, id0);
        assert.equal(a?.outcome, 'recovered');
        assert.equal(b?.outcome, 'recovered');
        // Nothing is live twice afterwards either (a forked successor would keep running).
        await sleep(5000);
        const live = (await s.instances(name)).filter((j) => j.state === 'RUNNING');
        assert.equal(live.length, 1, `one RUNNING instance: ${describeInstances(await s.instances(name))}`);
      },
    );

    run.scenario(
      'R3. a job whose FlinkJobFailed is silenced in Alertmanager is not recovered, until the silence expires',
      JOBS.silenced,
      async (s, t) => {
        const name = JOBS.silenced;
        const [am1, am2] = s.alertmanagers;
        assert.ok(am1 !== undefined && am2 !== undefined);
        const res = await fetch(`${am1.url}/api/v2/silences`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            matchers: [
              { name: 'alertname', value: 'FlinkJobFailed', isRegex: false, isEqual: true },
              { name: 'job_name', value: name, isRegex: false, isEqual: true },
            ],
            startsAt: new Date().toISOString(),
            endsAt: new Date(Date.now() + 3600_000).toISOString(),
            createdBy: 'e2e',
            comment: 'maintenance: do not recover',
          }),
        });
        assert.equal(res.status, 200, await res.clone().text());
        const { silenceID } = (await res.json()) as { silenceID: string };
        // Gossip carries the silence to the other replica.
        await waitFor(
          async () => {
            const list = (await (await fetch(`${am2.url}/api/v2/silences`)).json()) as { id: string }[];
            return list.some((x) => x.id === silenceID);
          },
          30_000,
          { what: 'the silence on both Alertmanagers' },
        );
        const id0 = await startJob(s, name);
        await failForGood(s, name, id0, FAILS_TO_END_FAILED);
        await waitFor(() => alertOf(s, 'FlinkJobFailed', name, 'firing'), 60_000, { what: 'FlinkJobFailed firing' });
        for (const am of [am1, am2]) {
          await waitFor(
            async () => (await amAlerts(am.url, name)).some((x) => x.status.silencedBy.includes(silenceID)),
            30_000,
            { what: `${am.url} to hold FlinkJobFailed silenced` },
          );
        }
        await sleep(ALERT_WINDOW_MS);
        assert.deepEqual(
          (await s.instances(name)).map((j) => [j.jid, j.state]),
          [[id0, 'FAILED']],
          'no resubmission while silenced',
        );
        for (const g of s.guardians) {
          assert.equal(await g.episode(name), undefined, `${g.url} opened no episode`);
          assert.deepEqual(attemptLines(g, name), []);
        }
        // The silence is the only thing holding the recovery back: without it, the job comes back.
        const expired = await fetch(`${am1.url}/api/v2/silence/${silenceID}`, { method: 'DELETE' });
        assert.equal(expired.status, 200);
        const expiredAt = performance.now();
        const episode = await waitFor(
          async () => {
            for (const g of s.guardians) {
              const e = await g.episode(name);
              if (e?.attempts.some((x) => x.runningAt !== undefined) === true) return e;
            }
            return undefined;
          },
          120_000,
          { what: `${name} recovered once the silence expired`, intervalMs: 250 },
        );
        t.diagnostic(`recovered ${elapsed(expiredAt)} ms after the silence expired`);
        const instances = await s.instances(name);
        assert.equal(instances.length, 2, describeInstances(instances));
        assert.equal(instances[1]?.jid, episode.attempts[0]?.jobId);
      },
    );

    run.scenario(
      'R4. a paused job is not recovered (skip reason paused on both replicas), until it is resumed',
      JOBS.paused,
      async (s, t) => {
        const name = JOBS.paused;
        const id0 = await startJob(s, name);
        for (const g of s.guardians) assert.equal(await g.setPaused(name, true), 200, `pause on ${g.url}`);
        for (const g of s.guardians) {
          const metrics = await g.metrics();
          const shown = metrics
            .split('\n')
            .some((l) => /^flink_recovery_\w*paused\w*\{/.test(l) && l.includes(`job_name="${name}"`) && / 1$/.test(l));
          assert.ok(shown, `${g.url}/metrics shows ${name} paused`);
        }
        await failForGood(s, name, id0, FAILS_TO_END_FAILED);
        await waitFor(() => alertOf(s, 'FlinkJobFailed', name, 'firing'), 60_000, { what: 'FlinkJobFailed firing' });
        // Both replicas get the notification and answer it with the skip reason `paused`.
        for (const g of s.guardians) {
          await waitFor(() => g.jobLogs(name).some((l) => l.decision === 'skip' && l.reason === 'paused'), 60_000, {
            what: `${g.url} to skip ${name} as paused`,
          });
        }
        await sleep(5000);
        assert.deepEqual(
          (await s.instances(name)).map((j) => [j.jid, j.state]),
          [[id0, 'FAILED']],
          'no resubmission while paused',
        );
        for (const g of s.guardians) assert.deepEqual(attemptLines(g, name), [], `${g.url} started no attempt`);
        // A restart keeps the pause (it is durable): replica A is restarted and still skips.
        await s.guardian.stop();
        await s.guardian.start();
        const pausedAfterRestart = (await s.guardian.metrics())
          .split('\n')
          .some((l) => /^flink_recovery_\w*paused\w*\{/.test(l) && l.includes(`job_name="${name}"`) && / 1$/.test(l));
        assert.ok(pausedAfterRestart, 'still paused after a restart');
        // Resumed on both: Alertmanager's next repeat (repeat_interval 20s) brings the job back.
        for (const g of s.guardians) assert.equal(await g.setPaused(name, false), 200, `resume on ${g.url}`);
        const resumedAt = performance.now();
        const episode = await waitFor(
          async () => {
            for (const g of s.guardians) {
              const e = await g.episode(name);
              if (e?.attempts.some((x) => x.runningAt !== undefined) === true) return e;
            }
            return undefined;
          },
          120_000,
          { what: `${name} recovered once resumed`, intervalMs: 250 },
        );
        t.diagnostic(`recovered ${elapsed(resumedAt)} ms after the resume`);
        const instances = await s.instances(name);
        assert.equal(instances.length, 2, describeInstances(instances));
        assert.equal(instances[1]?.jid, episode.attempts[0]?.jobId);
      },
    );
  });
}
