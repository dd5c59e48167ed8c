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
import type { Episode } from '../state/episodes-schema.js';
import { EpisodeStore, jobKey } from '../state/episodes.js';
import type { JobMemory } from '../state/job-memory.js';
import { screenAlert, type IncomingAlert } from './alert.js';
import { Audit } from './audit.js';
import { intakeRetryAt, pollInterval, wakeGrid, wakeSlot, watchInterval } from './backoff.js';
import { decideIntake, episodeGate } from './decide-intake.js';
import { decideTick, type TickDecision } from './decide-tick.js';
import { rulesFor } from './not-retryable.js';
import { readRootCause } from './root-cause.js';
import { KeyedLock } from './keyed-lock.js';
import { SingleFlight } from './single-flight.js';
import { liveViewOf, type LiveView } from './live.js';
import { RecoveryMetrics } from './metrics.js';
import { AlertmanagerNotifier, type Notifier } from './notify.js';
import { gatherCandidates } from './restore-candidates.js';
import { executeAttempt, type ExecutorContext } from './executor.js';
import { restoreVerdict, selectRestorePoint, type RestoreVerdict } from './restore-point.js';
import { systemTimers, type TimerHandle, type Timers } from './timers.js';
import {
  applyTick,
  clearExhausted,
  openEpisode,
  restoreUnverified,
  withRootCause,
  type Transition,
} from './transitions.js';
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

/** What a timer is for: each job has at most one of each. */
type TimerPurpose = 'intake' | 'episode';

function timerKey(purpose: TimerPurpose, cluster: string, jobName: string): string {
  return `${purpose}\u0000${jobKey(cluster, jobName)}`;
}

/** Steps one tick may take before it yields (a guard against a decision loop, not a limit ever reached). */
const MAX_STEPS = 16;

export class Recoverer {
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';
  private readonly lock = new KeyedLock();
  /** Concurrent checks of one cluster share its in-flight `/jobs/overview`; nothing is cached beyond it. */
  private readonly overviews = new SingleFlight<string, readonly JobOverview[] | string>();
  /**
   * One timer per job and purpose: the retry of an alert Flink could not judge, and the watch of the job's
   * episode. They never replace each other (an alert retry once took the watch's slot, and with it the clearing
   * of an exhausted episode).
   */
  private readonly timersByKey = new Map<string, TimerHandle>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly timers: Timers;
  private readonly audit: Audit;
  private readonly log: Logger;

  private constructor(
    private readonly deps: RecovererDeps,
    private readonly store: EpisodeStore,
    metrics: RecoveryMetrics,
  ) {
    this.timers = deps.timers ?? systemTimers();
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
    return new Recoverer(deps, store, metrics);
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
    for (const handle of this.timersByKey.values()) this.timers.clearTimeout(handle);
    this.timersByKey.clear();
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
        this.audit.skip({ ...s, fingerprint: alert.fingerprint });
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
      const ctx = { cluster, jobName, alertname, fingerprint: alert.fingerprint, episode: episode?.id };
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
    const instances = live.kind === 'ok' ? live.instances : [];
    const gathered =
      api === undefined
        ? { candidates: [], hadCheckpoints: false, gone: [] }
        : await gatherCandidates({
            api,
            episode,
            instances,
            remembered: this.deps.memory.get(episode.cluster, episode.jobName),
            checkpointDir: this.clusterConfig(episode.cluster)?.checkpointDir,
            logger: this.log,
          });
    const choice = selectRestorePoint(
      gathered.candidates,
      [],
      this.deps.config.recovery.onNoCheckpoint,
      gathered.hadCheckpoints,
    );
    this.audit.skip({
      ...ctx,
      reason: 'dry_run',
      jobId: episode.failedJobId,
      detail:
        choice.kind === 'restore'
          ? `would resubmit from ${choice.from} ${choice.path}`
          : choice.kind === 'fresh'
            ? 'would resubmit without state'
            : `would give up: ${choice.reason}`,
    });
  }

  private clusterConfig(cluster: string): Config['clusters'][number] | undefined {
    return this.deps.config.clusters.find((c) => c.name === cluster);
  }

  /**
   * Runs `work` (by default the episode's next step) under the job's lock at the first slot of the wake grid at
   * or after `at`, where it shares its cluster read. A job has one timer: scheduling replaces it.
   */
  private schedule(
    cluster: string,
    jobName: string,
    at: number,
    purpose: TimerPurpose = 'episode',
    work: () => Promise<void> = () => this.tick(cluster, jobName),
  ): void {
    if (this.state !== 'running') return;
    const lockKey = jobKey(cluster, jobName);
    const key = timerKey(purpose, cluster, jobName);
    this.unschedule(cluster, jobName, purpose);
    const slot = wakeSlot(at, wakeGrid(this.deps.config.recovery));
    const handle = this.timers.setTimeout(
      () => {
        if (this.timersByKey.get(key) === handle) this.timersByKey.delete(key);
        if (this.state !== 'running') return;
        void this.track(this.lock.run(lockKey, work));
      },
      Math.max(0, slot - this.deps.clock.now()),
    );
    this.timersByKey.set(key, handle);
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
    const key = timerKey(purpose, cluster, jobName);
    const handle = this.timersByKey.get(key);
    if (handle !== undefined) this.timers.clearTimeout(handle);
    this.timersByKey.delete(key);
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
        const decision = decideTick(episode, live, recovery, now, rulesFor(spec, recovery));
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
