/**
 * The thin executor of an attempt decision. Everything it decides is delegated to pure functions
 * (selectRestorePoint, the transitions); what it adds is the order: the intent is durable before Flink hears
 * of the attempt, and Flink's answer is recorded before anyone is told.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { FlinkApi } from '../flink/api.js';
import type { Logger } from '../log.js';
import type { Episode } from '../state/episodes-schema.js';
import type { JobMemory } from '../state/job-memory.js';
import type { Audit } from './audit.js';
import type { TickDecision } from './decide-tick.js';
import type { LiveView } from './live.js';
import { listJars } from './jar.js';
import { gatherCandidates } from './restore-candidates.js';
import { selectRestorePoint } from './restore-point.js';
import { submitAttempt } from './submit.js';
import {
  attemptSubmitted,
  beginAttempt,
  countSubmitTry,
  exhaust,
  failAttempt,
  type Transition,
} from './transitions.js';

export interface ExecutorContext {
  readonly config: Config;
  readonly clients: ReadonlyMap<string, FlinkApi>;
  readonly memory: JobMemory;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly audit: Audit;
  /** Persists a transition, then tells people about its events. */
  readonly commit: (t: Transition) => Promise<void>;
}

/** The thin executor of one attempt: choose the restore point, write the intent, submit, record the answer. */
export async function executeAttempt(
  ctx: ExecutorContext,
  episode: Episode,
  decision: Extract<TickDecision, { kind: 'attempt' | 'resubmit' }>,
  live: LiveView,
): Promise<'continue' | 'retry_later'> {
  const recovery = ctx.config.recovery;
  const api = ctx.clients.get(episode.cluster);
  const spec = ctx.config.jobs.find((j) => j.cluster === episode.cluster && j.name === episode.jobName);
  const now = ctx.clock.now();
  if (api === undefined || spec === undefined) {
    // The configuration no longer knows how to resubmit this job: stop rather than guess.
    ctx.audit.skip({
      cluster: episode.cluster,
      jobName: episode.jobName,
      alertname: '',
      reason: 'no_job_spec',
      episode: episode.id,
    });
    await ctx.commit(exhaust(episode, now, [], 'no_job_spec'));
    return 'continue';
  }
  // Read the jar list (no side effects) while the restore point is found and the intent written: it is off
  // the path to the run request. Uploading a missing jar still waits for the intent.
  const listing = listJars(api);
  let current = episode;
  let started: Transition['events'] = [];
  if (decision.kind === 'attempt') {
    const remembered = ctx.memory.get(episode.cluster, episode.jobName);
    const gathered = await gatherCandidates({
      api,
      episode,
      instances: live.kind === 'ok' ? live.instances : [],
      remembered,
      checkpointDir: ctx.config.clusters.find((c) => c.name === episode.cluster)?.checkpointDir,
      logger: ctx.logger,
    });
    for (const path of gathered.gone) {
      ctx.logger.warn(
        { cluster: episode.cluster, job_name: episode.jobName, episode: episode.id, restore_point: path },
        'restore point has no _metadata; left out',
      );
    }
    const choice = selectRestorePoint(
      gathered.candidates,
      episode.refusedPaths,
      recovery.onNoCheckpoint,
      gathered.hadCheckpoints || episode.attempts.some((a) => a.restorePath !== undefined),
    );
    if (choice.kind === 'none' && choice.reason === 'state_lost') {
      // Never started without the state it had: a person decides (the episode pages as exhausted).
      await ctx.commit(exhaust(episode, ctx.clock.now(), [], 'state_lost'));
      return 'continue';
    }
    if (choice.kind === 'none') {
      ctx.audit.skip({
        cluster: episode.cluster,
        jobName: episode.jobName,
        alertname: '',
        reason: 'no_restore_point',
        episode: episode.id,
      });
      await ctx.commit(exhaust(episode, ctx.clock.now(), [], 'no_restore_point'));
      return 'continue';
    }
    const t = beginAttempt(
      episode,
      {
        n: decision.n,
        jobId: decision.jobId,
        restoreFrom: choice.kind === 'restore' ? choice.from : 'none',
        restorePath: choice.kind === 'restore' ? choice.path : undefined,
      },
      ctx.clock.now(),
    );
    current = t.episode;
    started = t.events;
  }
  // The intent ("submitting attempt n with JobID x") is on disk before Flink hears of it.
  current = countSubmitTry(current);
  await ctx.commit({ episode: current, events: started });
  const attempt = current.attempts[current.attempts.length - 1];
  if (attempt === undefined) return 'continue';
  const outcome = await submitAttempt(
    api,
    spec,
    recovery,
    { jobId: attempt.jobId, restorePath: attempt.restorePath },
    listing,
  );
  const after = ctx.clock.now();
  switch (outcome.kind) {
    case 'accepted':
      if (outcome.jarUploaded)
        ctx.logger.info({ cluster: episode.cluster, job_name: episode.jobName, jar: spec.jar }, 'jar uploaded');
      await ctx.commit(attemptSubmitted(current, after));
      return 'continue';
    case 'failed':
      await ctx.commit(failAttempt(current, outcome.reason, recovery, after, outcome.detail));
      return 'continue';
    case 'unknown':
      ctx.logger.warn(
        {
          cluster: episode.cluster,
          job_name: episode.jobName,
          episode: episode.id,
          attempt: attempt.n,
          job_id: attempt.jobId,
          detail: outcome.detail,
        },
        'submission outcome unknown; will check whether it landed',
      );
      return 'retry_later';
  }
}
