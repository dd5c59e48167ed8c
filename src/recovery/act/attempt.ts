/**
 * The thin executor of an attempt decision. Everything it decides is delegated to pure functions
 * (selectRestorePoint, the transitions); what it adds is the order: the intent is durable before Flink hears
 * of the attempt, and Flink's answer is recorded before anyone is told.
 */
import type { Clock } from '../../clock.js';
import type { Config } from '../../config/schema.js';
import type { FlinkApi } from '../../flink/api.js';
import type { Logger } from '../../log.js';
import type { Episode } from '../model/episode-schema.js';
import type { JobMemory } from '../../state/job-memory.js';
import type { Audit } from '../report/audit.js';
import type { TickDecision } from '../decide/step.js';
import type { LiveView } from '../model/live.js';
import { listJars } from './jar.js';
import { gatherCandidates } from './restore-sources.js';
import { planAttempt, type RestoreEvidence } from '../decide/plan.js';
import { submitAttempt } from './submit.js';
import {
  attemptSubmitted,
  beginAttempt,
  countSubmitTry,
  exhaust,
  failAttempt,
  lostRace,
  type Transition,
} from '../model/episode.js';

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

/** Reads every restore source of the episode (logging the restore points found deleted). */
export async function readRestoreEvidence(
  ctx: Pick<ExecutorContext, 'config' | 'memory' | 'logger'>,
  api: FlinkApi,
  episode: Episode,
  live: LiveView,
): Promise<RestoreEvidence> {
  const gathered = await gatherCandidates({
    api,
    episode,
    instances: live.kind === 'ok' ? live.instances : [],
    remembered: ctx.memory.get(episode.cluster, episode.jobName),
    checkpointDir: ctx.config.clusters.find((c) => c.name === episode.cluster)?.checkpointDir,
    logger: ctx.logger,
  });
  for (const path of gathered.gone) {
    ctx.logger.warn(
      { cluster: episode.cluster, job_name: episode.jobName, episode: episode.id, restore_point: path },
      'restore point has no _metadata; left out',
    );
  }
  return gathered;
}

/** Ends the episode as the plan says; the two reasons an alert-level skip also names are counted as skips. */
async function giveUp(
  ctx: ExecutorContext,
  episode: Episode,
  reason: 'no_job_spec' | 'no_restore_point' | 'state_lost',
) {
  if (reason !== 'state_lost') {
    ctx.audit.skip({ cluster: episode.cluster, jobName: episode.jobName, alertname: '', reason, episode: episode.id });
  }
  await ctx.commit(exhaust(episode, ctx.clock.now(), [], reason));
}

/** The thin executor of one attempt: read, follow the plan, write the intent, submit, record the answer. */
export async function executeAttempt(
  ctx: ExecutorContext,
  episode: Episode,
  decision: Extract<TickDecision, { kind: 'attempt' | 'resubmit' }>,
  live: LiveView,
): Promise<'continue' | 'retry_later'> {
  const recovery = ctx.config.recovery;
  const api = ctx.clients.get(episode.cluster);
  const spec = ctx.config.jobs.find((j) => j.cluster === episode.cluster && j.name === episode.jobName);
  if (api === undefined || spec === undefined) {
    // The configuration no longer knows how to resubmit this job: the plan is to stop rather than guess.
    const plan = planAttempt(episode, undefined, recovery.onNoCheckpoint);
    if (plan.kind === 'give_up') await giveUp(ctx, episode, plan.reason);
    return 'continue';
  }
  // Read the jar list (no side effects) while the restore point is found and the intent written: it is off
  // the path to the run request. Uploading a missing jar still waits for the intent.
  const listing = listJars(api);
  let current = episode;
  let started: Transition['events'] = [];
  if (decision.kind === 'attempt') {
    const plan = planAttempt(episode, await readRestoreEvidence(ctx, api, episode, live), recovery.onNoCheckpoint);
    if (plan.kind === 'give_up') {
      await giveUp(ctx, episode, plan.reason);
      return 'continue';
    }
    const t = beginAttempt(
      episode,
      { n: decision.n, jobId: decision.jobId, restoreFrom: plan.restoreFrom, restorePath: plan.restorePath },
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
      // A duplicate on our first POST can only be another replica's submission of this attempt: follow it.
      // (On a later POST it may be our own earlier one that landed unseen.)
      await ctx.commit(
        outcome.duplicate && attempt.submitTries === 1 ? lostRace(current, after) : attemptSubmitted(current, after),
      );
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
