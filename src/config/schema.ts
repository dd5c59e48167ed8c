/**
 * The configuration file, as one zod schema: the single source of the TypeScript types, of validation and of
 * the published JSON Schema (config.schema.json). Objects are strict: an unknown key is an error, because a
 * misspelt `maxAtempts` silently taking its default is how a recovery policy goes wrong at 3 a.m.
 */
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.js';

const DURATION = /^(?:\d+(?:ms|s|m|h|d|w))+$/;

/** The longest delay a Node.js timer can hold (2^31-1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A duration string (`30s`, `5m`, `1h30m`), parsed to milliseconds, at least `minMs` (0s and too short a
 * timeout cannot work: an abort that fires before the connection is made is never observed) and at most what
 * a timer can hold.
 */
const duration = (what: string, minMs: number) =>
  z
    .string()
    .regex(DURATION, { message: 'expected a duration such as 500ms, 30s, 5m, 1h30m' })
    .describe(`${what} (at least ${formatDuration(minMs)}, at most ${formatDuration(MAX_TIMER_MS)})`)
    .transform((text) => parseDuration(text) ?? 0)
    .refine((ms) => ms >= minMs, { message: `must be at least ${formatDuration(minMs)}` })
    .refine((ms) => ms <= MAX_TIMER_MS, {
      message: `must be at most ${formatDuration(MAX_TIMER_MS)} (the longest a timer can wait)`,
    });

/** The URL's `user:password@`, if any, decoded; undefined when it has none. */
export function urlCredentials(text: string): { username: string; password: string } | undefined {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || (url.username === '' && url.password === '')) return undefined;
  return { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

function withoutCredentials(text: string): string {
  const url = new URL(text);
  url.username = '';
  url.password = '';
  return url.toString();
}

const nonEmpty = z.string().min(1, { message: 'must not be empty' });

const basicAuth = z
  .strictObject({
    username: nonEmpty.describe('User name'),
    password: nonEmpty.describe('Password; write ${VAR} to read it from the environment'),
  })
  .describe('HTTP basic authentication');

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, {
  message: 'letters, digits, _ . : - only, starting with a letter or digit',
});

const listenAddress = z
  .string()
  .regex(/^(?:\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, { message: 'expected HOST:PORT, e.g. 127.0.0.1:9813' })
  .refine((text) => !(Number(text.slice(text.lastIndexOf(':') + 1)) > 65535), {
    message: 'the port must be 0 to 65535',
  })
  .describe('HOST:PORT the HTTP server listens on');

const claimMode = z
  .enum(['NO_CLAIM', 'CLAIM'])
  .describe('How the resubmitted job owns the restored checkpoint (Flink claimMode; restoreMode before 1.20)');

export const clusterSchema = z
  .strictObject({
    name: name.describe('Value of the `cluster` label'),
    url: z
      .url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' })
      .describe('Flink JobManager REST endpoint'),
    bearerToken: nonEmpty.optional().describe('Sent as Authorization: Bearer (for a JobManager behind a proxy)'),
    basicAuth: basicAuth.optional(),
    tls: z
      .strictObject({
        caFile: nonEmpty.optional().describe('PEM file of the CA that signed the JobManager (or proxy) certificate'),
        insecureSkipVerify: z
          .boolean()
          .default(false)
          .describe('Accept any server certificate (for tests; never in production)'),
      })
      .optional()
      .describe('TLS settings for an https:// JobManager'),
    requestTimeout: duration('Total time of every REST request: connect, headers and the whole body', 100).prefault(
      '10s',
    ),
    maxResponseBytes: z
      .int()
      .min(64 * 1024)
      .max(1024 * 1024 * 1024)
      .default(16 * 1024 * 1024)
      .describe('Largest REST answer accepted; a longer body is cut off and the request fails'),
    concurrency: z.int().min(1).max(256).default(8).describe('REST requests in flight at once to this cluster'),
    retries: z.int().min(0).max(10).default(2).describe('Retries of idempotent GETs, with backoff'),
    checkpointDir: nonEmpty
      .optional()
      .describe('The cluster checkpoint directory (state.checkpoints.dir), scanned as a last resort when restoring'),
  })
  .refine((c) => !(c.bearerToken !== undefined && c.basicAuth !== undefined), {
    message: 'set bearerToken or basicAuth, not both',
  })
  .refine((c) => urlCredentials(c.url) === undefined || (c.bearerToken === undefined && c.basicAuth === undefined), {
    path: ['url'],
    message: 'credentials in the URL and bearerToken or basicAuth: set one of them',
  })
  // Credentials in the URL are the cluster's basic auth; the URL keeps no secret (it is logged).
  .transform((c) => {
    const credentials = urlCredentials(c.url);
    return credentials === undefined ? c : { ...c, url: withoutCredentials(c.url), basicAuth: credentials };
  });

export const webhookSchema = z
  .strictObject({
    bearerToken: nonEmpty.optional().describe('Credentials Alertmanager must send (http_config.authorization)'),
    basicAuth: basicAuth.optional(),
    maxBodyBytes: z
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024)
      .describe('Largest accepted request body in bytes; a larger one is answered 413'),
    maxAlerts: z.int().min(1).max(100_000).default(1000).describe('Alerts in one webhook body; more get 400'),
    maxLabelValueLength: z
      .int()
      .min(64)
      .max(1024 * 1024)
      .default(1024)
      .describe('Longer label and annotation names and values of an alert are cut to this length and marked …'),
  })
  .refine((w) => (w.bearerToken === undefined) !== (w.basicAuth === undefined), {
    message: 'set exactly one of bearerToken or basicAuth: the webhook and API must not be open',
  })
  .describe('The Alertmanager webhook and the recoveries API: exactly one of bearerToken or basicAuth');

export const notifySchema = z.strictObject({
  alertmanagerUrls: z
    .array(
      z.url({ protocol: /^https?$/ }).refine((url) => urlCredentials(url) === undefined, {
        message: 'credentials in the URL are not allowed (it is logged): use bearerToken or basicAuth',
      }),
    )
    .min(1)
    .describe('Every Alertmanager peer; recovery outcomes are posted to /api/v2/alerts of each'),
  bearerToken: nonEmpty.optional().describe('Sent to Alertmanager as Authorization: Bearer'),
  basicAuth: basicAuth.optional(),
  timeout: duration('Total time of one post', 100).prefault('5s'),
});

/** A root cause that no resubmission can cure: the episode pages at once (reason `not_retryable`). */
export const notRetryableRuleSchema = z
  .strictObject({
    exceptionClass: nonEmpty.optional().describe('Exact exception class, e.g. java.lang.ClassNotFoundException'),
    messagePattern: nonEmpty
      .refine(
        (p) => {
          try {
            new RegExp(p);
            return true;
          } catch {
            return false;
          }
        },
        { message: 'not a valid regular expression' },
      )
      .optional()
      .describe('Regular expression searched in the first lines of the root exception'),
  })
  .refine((r) => r.exceptionClass !== undefined || r.messagePattern !== undefined, {
    message: 'set exceptionClass, messagePattern or both',
  });

export const recoverySchema = z.strictObject({
  maxAttempts: z.int().min(1).max(100).default(3).describe('Resubmissions per failure episode'),
  cooldown: duration('Least time between two attempts on the same job', 100).prefault('5m'),
  backoffFactor: z.number().min(1).max(10).default(1).describe('Each further cooldown is the previous one times this'),
  maxCooldown: duration('Upper bound of a grown cooldown', 100).prefault('1h'),
  resetAfter: duration('A job RUNNING this long closes its episode', 100).prefault('10m'),
  verifyTimeout: duration('A resubmitted job must reach RUNNING within this', 100).prefault('2m'),
  onNoCheckpoint: z.enum(['fresh', 'skip']).default('fresh').describe('fresh resubmits without state; skip gives up'),
  claimMode: claimMode.default('NO_CLAIM'),
  allowNonRestoredState: z
    .boolean()
    .default(false)
    .describe('Let a restore skip state that no operator of the new job claims (default for every job)'),
  dryRun: z.boolean().default(false).describe('Log and count what would be done, submit nothing'),
  notRetryable: z
    .array(notRetryableRuleSchema)
    .max(100)
    .default([])
    .describe('Root causes that page instead of retrying; a job with its own list uses that instead'),
  missingAlertFor: duration(
    "The `for:` of the rule behind FlinkJobMissing: a missing job's failure moment is the alert's start minus this",
    0,
  ).prefault('15s'),
  notify: notifySchema.optional().describe('Post recovery outcomes to Alertmanager as FlinkRecoveryOutcome alerts'),
});

export const exporterSchema = z.strictObject({
  scrapeTimeout: duration(
    'Deadline of a scrape when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds (its default timeout)',
    100,
  ).prefault('10s'),
  scrapeTimeoutMargin: z
    .string()
    .regex(DURATION, { message: 'expected a duration such as 500ms, 30s, 5m, 1h30m' })
    .transform((text) => parseDuration(text) ?? 0)
    .refine((ms) => ms <= 60_000, { message: 'must be at most 1m' })
    .prefault('500ms')
    .describe('Kept free of the scrape deadline to write the answer and for the network (0s to 1m)'),
});

export const jobSchema = z.strictObject({
  cluster: name.describe('A configured cluster name'),
  name: nonEmpty.describe('The Flink job name (what stays across resubmissions)'),
  jar: nonEmpty.describe('Local path of the job jar, uploaded when the cluster does not have it'),
  entryClass: nonEmpty.optional().describe("Main class, when the jar's manifest names none (flink run -c)"),
  args: z.array(z.string()).default([]).describe('Program arguments, one list item per argument'),
  parallelism: z.int().min(1).optional().describe("Default parallelism of the job (else the cluster's)"),
  allowNonRestoredState: z.boolean().optional().describe('Overrides recovery.allowNonRestoredState for this job'),
  claimMode: claimMode.optional(),
  notRetryable: z.array(notRetryableRuleSchema).max(100).optional().describe('Replaces recovery.notRetryable'),
  flinkConfiguration: z
    .record(z.string(), z.string())
    .optional()
    .describe('Passed as flinkConfiguration (Flink 1.17+)'),
});

export const configSchema = z
  .strictObject({
    listen: listenAddress.default('127.0.0.1:9813'),
    stateDir: nonEmpty.default('./data').describe('Durable state; relative paths are relative to the config file'),
    logLevel: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
      .default('info')
      .describe('Least level logged; JSON lines, pretty on a terminal'),
    tls: z
      .strictObject({
        certFile: nonEmpty.describe('PEM certificate (chain) the server presents'),
        keyFile: nonEmpty.describe('PEM private key of that certificate'),
      })
      .optional()
      .describe('Serve HTTPS instead of HTTP'),
    clusters: z
      .array(clusterSchema)
      .min(1, { message: 'at least one cluster is needed' })
      .describe('The Flink clusters to export and recover; at least one'),
    webhook: webhookSchema,
    exporter: exporterSchema.prefault({}).describe('How scrapes are bounded'),
    recovery: recoverySchema.prefault({}).describe('How failed jobs are recovered'),
    jobs: z
      .array(jobSchema)
      .default([])
      .describe('The catalog: how to resubmit each job; every job listed is expected to run'),
  })
  .superRefine((config, ctx) => {
    const clusters = new Set<string>();
    config.clusters.forEach((c, i) => {
      if (clusters.has(c.name)) {
        ctx.addIssue({ code: 'custom', path: ['clusters', i, 'name'], message: `duplicate cluster name "${c.name}"` });
      }
      clusters.add(c.name);
      tooLongForAlerts(config.webhook.maxLabelValueLength, c.name, ['clusters', i, 'name'], ctx);
    });
    const jobs = new Set<string>();
    config.jobs.forEach((j, i) => {
      if (!clusters.has(j.cluster)) {
        ctx.addIssue({
          code: 'custom',
          path: ['jobs', i, 'cluster'],
          message: `no cluster named "${j.cluster}" (known: ${[...clusters].join(', ')})`,
        });
      }
      const key = `${j.cluster}/${j.name}`;
      if (jobs.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['jobs', i, 'name'],
          message: `duplicate job "${j.name}" on cluster "${j.cluster}"`,
        });
      }
      jobs.add(key);
      tooLongForAlerts(config.webhook.maxLabelValueLength, j.name, ['jobs', i, 'name'], ctx);
    });
  });

/** A name the webhook would cut in an alert's labels could never be matched: it is refused here instead. */
function tooLongForAlerts(max: number, value: string, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (value.length <= max) return;
  ctx.addIssue({
    code: 'custom',
    path,
    message: `${value.length} characters, longer than webhook.maxLabelValueLength (${max}) allows in an alert's labels`,
  });
}

export type Config = z.output<typeof configSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type WebhookConfig = z.output<typeof webhookSchema>;
export type ExporterConfig = z.output<typeof exporterSchema>;
export type RecoveryConfig = z.output<typeof recoverySchema>;
export type JobSpec = z.output<typeof jobSchema>;
export type NotRetryableRule = z.output<typeof notRetryableRuleSchema>;
export type ConfigInput = z.input<typeof configSchema>;
