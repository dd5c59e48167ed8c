/** Builders shared by the recoverer's unit tests. */
import type { Config, RecoveryConfig } from '../../../src/config/schema.js';
import type { JobState } from '../../../src/flink/job-state.js';
import type { JobOverview } from '../../../src/flink/types.js';
import { rootOf } from '../../../src/recovery/model/job-id.js';
import type { Attempt, Episode } from '../../../src/recovery/model/episode-schema.js';

export const T0 = Date.parse('2026-11-21T10:00:00Z');
export const FAILED_ID = 'f'.repeat(32);

export function recoveryConfig(over: Partial<RecoveryConfig> = {}): RecoveryConfig {
  return {
    maxAttempts: 3,
    cooldown: 60_000,
    backoffFactor: 1,
    maxCooldown: 3_600_000,
    resetAfter: 600_000,
    verifyTimeout: 120_000,
    onNoCheckpoint: 'fresh',
    claimMode: 'NO_CLAIM',
    allowNonRestoredState: false,
    dryRun: false,
    missingAlertFor: 15_000,
    notRetryable: [],
    ...over,
  };
}

/** A service configuration with one cluster, `prod`, and the given recovery settings and catalog. */
export function clusterConfig(stateDir: string, recovery: RecoveryConfig, jobs: Config['jobs']): Config {
  return {
    listen: '127.0.0.1:0',
    stateDir,
    logLevel: 'info',
    clusters: [
      {
        name: 'prod',
        url: 'http://127.0.0.1:1',
        requestTimeout: 1000,
        maxResponseBytes: 1 << 20,
        concurrency: 4,
        retries: 0,
      },
    ],
    webhook: { bearerToken: 't', maxBodyBytes: 65536, maxAlerts: 1000, maxLabelValueLength: 1024 },
    exporter: { scrapeTimeout: 10_000, scrapeTimeoutMargin: 500 },
    recovery,
    jobs,
  };
}

export function instance(jobId: string, state: JobState, startTime: number, name = 'orders'): JobOverview {
  const terminal = ['FAILED', 'CANCELED', 'FINISHED', 'SUSPENDED'].includes(state);
  return {
    jobId,
    name,
    state,
    startTime,
    endTime: terminal ? startTime + 1_000 : undefined,
    lastModification: startTime + 1_000,
  };
}

export function attempt(n: number, jobId: string, over: Partial<Attempt> = {}): Attempt {
  return {
    n,
    jobId,
    restoreFrom: 'checkpoint',
    restorePath: `file:/ckpt/${FAILED_ID}/chk-${n}`,
    startedAt: T0,
    submitTries: 1,
    result: 'pending',
    ...over,
  };
}

export function episode(over: Partial<Episode> = {}): Episode {
  return {
    id: 'ep1',
    cluster: 'prod',
    jobName: 'orders',
    trigger: 'failed',
    failedJobId: FAILED_ID,
    root: rootOf(FAILED_ID),
    failureTimeSource: 'end_time',
    failedAt: T0 - 5_000,
    openedAt: T0,
    status: 'open',
    phase: 'waiting',
    nextAttemptAt: T0,
    attempts: [],
    refusedPaths: [],
    ...over,
  };
}
