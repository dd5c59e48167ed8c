/**
 * The recoverer: takes alerts, owns each job's failure episode from the first alert until the job runs again
 * or the attempts are spent, and drives it with its own timers (Alertmanager will not send again while the
 * alert stays firing). Work on one job is serialized, so duplicate notifications cannot race; every decision
 * is made by the pure functions of this folder and every intent is durable before it is acted on.
 */
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { FlinkApi } from '../flink/api.js';
import type { JobOverview } from '../flink/types.js';
import type { Logger } from '../log.js';
import type { Episode } from './model/episode-schema.js';
import { EpisodeStore, jobKey } from './store/episodes.js';
import type { JobMemory } from '../state/job-memory.js';
import { PauseStore, type Pause } from './store/pauses.js';
import { capLabel, screenAlert, type IncomingAlert } from './decide/screen.js';
import { Audit } from './report/audit.js';
import { intakeRetryAt, pollInterval, wakeGrid, watchInterval } from './model/timing.js';
import { decideIntake, episodeGate } from './decide/intake.js';
import { decideTick, type TickDecision } from './decide/step.js';
import { rulesFor } from './decide/not-retryable.js';
import { readRootCause } from './act/root-cause.js';
import { KeyedLock } from './keyed-lock.js';
import { SingleFlight } from './single-flight.js';
import { liveViewOf, type LiveView } from './model/live.js';
import { RecoveryMetrics } from './report/metrics.js';
import { AlertmanagerNotifier, type Notifier } from './report/notify.js';
import { executeAttempt, readRestoreEvidence, type ExecutorContext } from './act/attempt.js';
import { describePlan, planAttempt } from './decide/plan.js';
import { restoreVerdict, type RestoreVerdict } from './decide/restore-point.js';
import { Scheduler, type TimerPurpose } from './scheduler.js';
import { systemTimers, type Timers } from './timers.js';
import {
  applyTick,
  clearExhausted,
  openEpisode,
  restoreUnverified,
  withRootCause,
  type Transition,
} from './model/episode.js';
import { errorMessage } from '../errors.js';

export interface RecovererDeps {
  readonly config: Config;
  /** One Flink client per configured cluster, by cluster name. */
  readonly clients: ReadonlyMap<string, FlinkApi>;
  readonly memory: JobMemory;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Called after every change of a recoverer metric (the service caches the registry's text until then). */
  readonly onMetricsChange?: () => void;
  /** Start without the episodes whose files are unreadable (they are moved aside, never overwritten). */
  readonly startEmpty?: boolean;
  readonly timers?: Timers;
  /** Overrides the Alertmanager notifier built from config.recovery.notify (tests). */
  readonly notifier?: Notifier;
}

export type AcceptResult =
  | { readonly ok: true; readonly alerts: number; readonly considered: number }
  | { readonly ok: false; readonly reason: 'not_running' };

export type PauseResult =
  | { readonly kind: 'paused'; readonly pause: Pause }
  | { readonly kind: 'resumed' }
  | { readonly kind: 'not_paused' }
  | { readonly kind: 'unknown_job' };

export type ResetResult =
  | { readonly kind: 'reset'; readonly episode: Episode }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'not_exhausted'; readonly episode: Episode };

/** The instance whose failure a decision records, if any: its root exception is read before the commit. */
function failedInstanceOf(episode: Episode, decision: TickDecision): string | undefined {
  const last = episode.attempts[episode.attempts.length - 1];
  switch (decision.kind) {
    case 'adopt':
      return decision.instance.state === 'FAILED' ? decision.instance.jobId : undefined;
    case 'attempt_failed':
      return decision.reason === 'instance_failed' ? last?.jobId : undefined;
    case 'refailed':
      return last?.jobId;
    default:
      return undefined;
  }
}

/** Steps one tick may take before it yields (a guard against a decision loop, not a limit ever reached). */
const MAX_STEPS = 16;

export class Recoverer {
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';
  private readonly lock = new KeyedLock();
  /** Concurrent checks of one cluster share its in-flight `/jobs/overview`; nothing is cached beyond it. */
  private readonly overviews = new SingleFlight<string, readonly JobOverview[] | string>();
  private readonly scheduler: Scheduler;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly timers: Timers;
  private readonly audit: Audit;
  private readonly log: Logger;

  private constructor(
    private readonly deps: RecovererDeps,
    private readonly store: EpisodeStore,
    private readonly pauses: PauseStore,
    private readonly metrics: RecoveryMetrics,
  ) {
    this.timers = deps.timers ?? systemTimers();
    this.scheduler = new Scheduler(
      this.timers,
      deps.clock,
      wakeGrid(deps.config.recovery),
      (cluster, jobName, work) => {
        if (this.state === 'running') void this.track(this.lock.run(jobKey(cluster, jobName), work));
      },
    );
    this.log = deps.logger.child({ component: 'recoverer' });
    const notify = deps.config.recovery.notify;
    const notifier = deps.notifier ?? (notify === undefined ? undefined : new AlertmanagerNotifier(notify, this.log));
    this.audit = new Audit(metrics, this.log, notifier, (p) => this.track(p), deps.clock);
  }

  /** Opens the episode store (StateError when it is unreadable and startEmpty is not set) and registers the metrics. */
  static async create(deps: RecovererDeps): Promise<Recoverer> {
    const store = await EpisodeStore.open(deps.config.stateDir, {
      ...(deps.startEmpty === undefined ? {} : { startEmpty: deps.startEmpty }),
      logger: deps.logger,
    });
    const metrics = new RecoveryMetrics(deps.registry, deps.onMetricsChange);
    metrics.precreate(
      deps.config.clusters.map((c) => c.name),
      deps.config.jobs,
    );
    for (const e of store.all()) metrics.status(e.cluster, e.jobName, e.status);
    const pauses = await PauseStore.open(deps.config.stateDir, {
      ...(deps.startEmpty === undefined ? {} : { startEmpty: deps.startEmpty }),
      logger: deps.logger,
    });
    for (const p of pauses.all()) metrics.setPaused(p.cluster, p.jobName, true);
    return new Recoverer(deps, store, pauses, metrics);
  }

  /** Reconciles every stored open episode with Flink (did the submission being made land?) and schedules the rest. */
  async start(): Promise<void> {
    if (this.state !== 'created') return;
    this.state = 'running';
    const open = this.store.all().filter((e) => e.status === 'open');
    for (const e of this.store.all()) {
      if (e.status === 'exhausted')
        this.schedule(e.cluster, e.jobName, this.deps.clock.now() + watchInterval(this.deps.config.recovery));
    }
    this.log.info({ open: open.length, episodes: this.store.all().length, file: this.store.file }, 'recoverer started');
    await Promise.all(
      open.map((e) => this.track(this.lock.run(jobKey(e.cluster, e.jobName), () => this.tick(e.cluster, e.jobName)))),
    );
  }

  /** Stops taking alerts, cancels timers and waits for the work in flight (an attempt being submitted finishes). */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return this.idle();
    this.state = 'stopping';
    this.scheduler.cancelAll();
    await this.idle();
    await this.store.flush();
    this.state = 'stopped';
  }

  /** Resolves when no work is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Takes the alerts of one notification and returns at once: alerts that cannot start anything are counted
   * skips; the others are judged against Flink after the answer, one job at a time.
   */
  accept(alerts: readonly IncomingAlert[]): AcceptResult {
    if (this.state !== 'running') return { ok: false, reason: 'not_running' };
    let considered = 0;
    for (const alert of alerts) {
      const s = screenAlert(alert, this.deps.config);
      if (s.kind === 'skip') {
        this.audit.skip({
          cluster: s.cluster,
          jobName: s.jobName,
          alertname: s.alertname,
          reason: s.reason,
          ...(alert.fingerprint === undefined ? {} : { fingerprint: capLabel(alert.fingerprint) }),
        });
        continue;
      }
      considered += 1;
      this.track(
        this.lock.run(jobKey(s.cluster, s.jobName), () => this.intake(alert, s.cluster, s.jobName, s.alertname)),
      );
    }
    return { ok: true, alerts: alerts.length, considered };
  }

  /** Every job's latest episode (open, exhausted or ended), by cluster and job name. */
  episodes(): Episode[] {
    return this.store.all().sort((a, b) => jobKey(a.cluster, a.jobName).localeCompare(jobKey(b.cluster, b.jobName)));
  }

  /** Jobs an operator paused, durable in stateDir. */
  paused(): Pause[] {
    return this.pauses.all().sort((a, b) => jobKey(a.cluster, a.jobName).localeCompare(jobKey(b.cluster, b.jobName)));
  }

  /**
   * Pauses the recovery of a catalog job until it is resumed: alerts about it are skipped (`paused`) and an open
   * episode submits nothing more (an attempt already in Flink's hands is still followed).
   */
  async pause(cluster: string, jobName: string): Promise<PauseResult> {
    if (!this.inCatalog(cluster, jobName)) return { kind: 'unknown_job' };
    return this.track(
      this.lock.run(jobKey(cluster, jobName), async (): Promise<PauseResult> => {
        const pause = await this.pauses.pause(cluster, jobName, this.deps.clock.now());
        this.metrics.setPaused(cluster, jobName, true);
        this.log.info({ cluster, job_name: jobName, since: new Date(pause.since).toISOString() }, 'recovery paused');
        return { kind: 'paused', pause };
      }),
    );
  }

  /** Resumes a paused job; an open episode takes its next step at once. */
  async resume(cluster: string, jobName: string): Promise<PauseResult> {
    if (!this.inCatalog(cluster, jobName)) return { kind: 'unknown_job' };
    return this.track(
      this.lock.run(jobKey(cluster, jobName), async (): Promise<PauseResult> => {
        if (!(await this.pauses.resume(cluster, jobName))) return { kind: 'not_paused' };
        this.metrics.setPaused(cluster, jobName, false);
        this.log.info({ cluster, job_name: jobName }, 'recovery resumed');
        if (this.store.get(cluster, jobName)?.status === 'open') this.schedule(cluster, jobName, this.deps.clock.now());
        return { kind: 'resumed' };
      }),
    );
  }

  private inCatalog(cluster: string, jobName: string): boolean {
    return this.deps.config.jobs.some((j) => j.cluster === cluster && j.name === jobName);
  }

  /** Ends an exhausted episode so automation may act again on the job. */
  async reset(cluster: string, jobName: string): Promise<ResetResult> {
    return this.track(
      this.lock.run(jobKey(cluster, jobName), async (): Promise<ResetResult> => {
        const ep = this.store.get(cluster, jobName);
        if (ep === undefined) return { kind: 'not_found' };
        if (ep.status !== 'exhausted') return { kind: 'not_exhausted', episode: ep };
        const t = clearExhausted(ep, 'reset', this.deps.clock.now());
        await this.commit(t);
        this.unschedule(cluster, jobName, 'episode');
        return { kind: 'reset', episode: t.episode };
      }),
    );
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = (): void => {
      this.inflight.delete(p);
    };
    p.then(done, done);
    return p;
  }

  private liveView(cluster: string): Promise<readonly JobOverview[] | string> {
    const api = this.deps.clients.get(cluster);
    if (api === undefined) return Promise.resolve(`no client for cluster ${cluster}`);
    return this.overviews.run(cluster, async () => {
      try {
        return await api.jobsOverview();
      } catch (err) {
        return errorMessage(err);
      }
    });
  }

  private async viewOf(cluster: string, jobName: string): Promise<LiveView> {
    const all = await this.liveView(cluster);
    return typeof all === 'string' ? { kind: 'unreachable', error: all } : liveViewOf(all, jobName);
  }

  private async commit(t: Transition): Promise<void> {
    await this.store.put(t.episode);
    this.audit.committed(t.episode, t.events);
  }

  /** Judges one alert against Flink under the job's lock; `since` is when the alert was first taken (retries). */
  private async intake(
    alert: IncomingAlert,
    cluster: string,
    jobName: string,
    alertname: string,
    since?: number,
  ): Promise<void> {
    try {
      const episode = this.store.get(cluster, jobName);
      const fingerprint = alert.fingerprint === undefined ? undefined : capLabel(alert.fingerprint);
      const ctx = { cluster, jobName, alertname, fingerprint, episode: episode?.id };
      if (this.pauses.get(cluster, jobName) !== undefined) return this.audit.skip({ ...ctx, reason: 'paused' });
      // Duplicates of an open episode are answered from memory: no need to ask Flink 50 times.
      const gate = episodeGate(episode);
      if (gate !== undefined) return this.audit.skip({ ...ctx, reason: gate });
      const live = await this.viewOf(cluster, jobName);
      const remembered = this.deps.memory.get(cluster, jobName);
      const now = this.deps.clock.now();
      const startsAt = alert.startsAt === undefined ? Number.NaN : Date.parse(alert.startsAt);
      const decision = decideIntake({
        cluster,
        jobName,
        episode,
        live,
        remembered,
        alertStartsAt: Number.isFinite(startsAt) ? startsAt : undefined,
        missingFor: this.deps.config.recovery.missingAlertFor,
        resetAfter: this.deps.config.recovery.resetAfter,
        paused: this.pauses.get(cluster, jobName) !== undefined,
        now,
      });
      if (decision.kind === 'skip') {
        this.audit.skip({
          ...ctx,
          reason: decision.reason,
          jobId: decision.jobId,
          detail: live.kind === 'unreachable' ? live.error : undefined,
        });
        // Alertmanager sends a firing alert again only after its repeat_interval: look again while Flink is away.
        const retryAt =
          decision.reason === 'flink_unreachable'
            ? intakeRetryAt(since ?? now, now, this.deps.config.recovery)
            : undefined;
        if (retryAt !== undefined) {
          this.schedule(cluster, jobName, retryAt, 'intake', () =>
            this.intake(alert, cluster, jobName, alertname, since ?? now),
          );
        }
        return;
      }
      const api = this.deps.clients.get(cluster);
      const rootCause =
        decision.failed === undefined || api === undefined
          ? undefined
          : await readRootCause(api, decision.failed.jobId, this.log);
      const opened = openEpisode(
        { id: randomBytes(6).toString('hex'), cluster, jobName, decision, previous: episode, rootCause },
        this.deps.config.recovery,
        now,
      );
      if (this.deps.config.recovery.dryRun) return await this.dryRun(opened.episode, live, ctx);
      if (decision.supersedes !== undefined) await this.commit(clearExhausted(decision.supersedes, 'superseded', now));
      await this.commit(opened);
      // The first step decides on the view the episode was opened on, read a moment ago under this same lock:
      // reading /jobs/overview again would only add a round trip to the time to recover.
      await this.tick(cluster, jobName, live);
    } catch (err) {
      this.log.error({ cluster, job_name: jobName, err: errorMessage(err) }, 'cannot take the alert');
    }
  }

  private async dryRun(
    episode: Episode,
    live: LiveView,
    ctx: { cluster: string; jobName: string; alertname: string },
  ): Promise<void> {
    const api = this.deps.clients.get(episode.cluster);
    const spec = this.deps.config.jobs.find((j) => j.cluster === episode.cluster && j.name === episode.jobName);
    const evidence =
      api === undefined || spec === undefined
        ? undefined
        : await readRestoreEvidence(
            { config: this.deps.config, memory: this.deps.memory, logger: this.log },
            api,
            episode,
            live,
          );
    // The same plan an attempt follows, logged instead of acted on.
    const plan = planAttempt(episode, evidence, this.deps.config.recovery.onNoCheckpoint);
    this.audit.skip({ ...ctx, reason: 'dry_run', jobId: episode.failedJobId, detail: describePlan(plan) });
  }

  /** Runs `work` (by default the episode's next step) under the job's lock at `at` (on the wake grid). */
  private schedule(
    cluster: string,
    jobName: string,
    at: number,
    purpose: TimerPurpose = 'episode',
    work: () => Promise<void> = () => this.tick(cluster, jobName),
  ): void {
    if (this.state !== 'running') return;
    this.scheduler.at(purpose, cluster, jobName, at, work);
  }

  /**
   * Reads Flink's `latest.restored` of an attempt that just reached RUNNING after a submission with a restore
   * point; 'retry' when Flink could not be asked. Adopted attempts were verified by the replica that made them.
   */
  private async verifyRestore(episode: Episode): Promise<RestoreVerdict | 'retry'> {
    const last = episode.attempts[episode.attempts.length - 1];
    const api = this.deps.clients.get(episode.cluster);
    if (last === undefined || last.result !== 'pending' || last.adopted === true || last.restorePath === undefined) {
      return { kind: 'verified' };
    }
    if (api === undefined) return { kind: 'unverifiable' };
    try {
      return restoreVerdict(last.restorePath, await api.checkpoints(last.jobId));
    } catch (err) {
      this.log.warn(
        { cluster: episode.cluster, job_name: episode.jobName, job_id: last.jobId, err: errorMessage(err) },
        'cannot read what the new instance restored from; will look again',
      );
      return 'retry';
    }
  }

  private unschedule(cluster: string, jobName: string, purpose: TimerPurpose): void {
    this.scheduler.cancel(purpose, cluster, jobName);
  }

  private executorContext(): ExecutorContext {
    return {
      config: this.deps.config,
      clients: this.deps.clients,
      memory: this.deps.memory,
      clock: this.deps.clock,
      logger: this.log,
      audit: this.audit,
      commit: (t) => this.commit(t),
    };
  }

  /**
   * Looks at one episode until it has to wait; always leaves a timer behind unless the episode ended. Runs under
   * the job's lock. `fresh`, when given, is a live view just read under the lock, used for the first step.
   */
  private async tick(cluster: string, jobName: string, fresh?: LiveView): Promise<void> {
    const recovery = this.deps.config.recovery;
    try {
      for (let step = 0; step < MAX_STEPS; step += 1) {
        if (this.state !== 'running') return;
        const episode = this.store.get(cluster, jobName);
        if (episode === undefined || episode.status === 'closed') return;
        const live = step === 0 && fresh !== undefined ? fresh : await this.viewOf(cluster, jobName);
        const now = this.deps.clock.now();
        const spec = this.deps.config.jobs.find((j) => j.cluster === cluster && j.name === jobName);
        const paused = this.pauses.get(cluster, jobName) !== undefined;
        const decision = decideTick(episode, live, recovery, now, rulesFor(spec, recovery), paused);
        this.audit.decision(episode, decision);
        if (decision.kind === 'none') return;
        if (decision.kind === 'wait') return this.schedule(cluster, jobName, decision.wakeAt);
        if (decision.kind === 'attempt' || decision.kind === 'resubmit') {
          const next = await executeAttempt(this.executorContext(), episode, decision, live);
          if (next === 'retry_later')
            return this.schedule(cluster, jobName, this.deps.clock.now() + pollInterval(recovery));
          continue;
        }
        if (decision.kind === 'running') {
          const check = await this.verifyRestore(episode);
          if (check === 'retry') return this.schedule(cluster, jobName, this.deps.clock.now() + pollInterval(recovery));
          if (check.kind === 'mismatch') {
            await this.commit(restoreUnverified(episode, check.restored, now));
            continue;
          }
        }
        const failedId = failedInstanceOf(episode, decision);
        const api = this.deps.clients.get(cluster);
        const cause =
          failedId === undefined || api === undefined ? undefined : await readRootCause(api, failedId, this.log);
        await this.commit(withRootCause(applyTick(episode, decision, recovery, now), cause));
      }
      this.schedule(cluster, jobName, this.deps.clock.now() + pollInterval(recovery));
    } catch (err) {
      // A state write failed or something unexpected: nothing was acted on without its intent, so try again later.
      this.log.error({ cluster, job_name: jobName, err: errorMessage(err) }, 'episode step failed; retrying');
      this.schedule(cluster, jobName, this.deps.clock.now() + pollInterval(recovery));
    }
  }
}
