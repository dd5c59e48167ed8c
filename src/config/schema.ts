/**
 * The configuration file, as one zod schema: the single source of the TypeScript types, of validation and of
 * the published JSON Schema (config.schema.json). Objects are strict: an unknown key is an error, because a
 * misspelt `maxAtempts` silently taking its default is how a recovery policy goes wrong at 3 a.m.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';

const DURATION = /^(?:\d+(?:ms|s|m|h|d|w))+$/;

/** A duration string (`30s`, `5m`, `1h30m`), parsed to milliseconds. */
const duration = (what: string) =>
  z
    .string()
    .regex(DURATION, { message: 'expected a duration such as 500ms, 30s, 5m, 1h30m' })
    .describe(what)
    .transform((text) => parseDuration(text) ?? 0);

const nonEmpty = z.string().min(1, { message: 'must not be empty' });

const basicAuth = z.strictObject({ username: nonEmpty, password: nonEmpty }).describe('HTTP basic authentication');

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, {
  message: 'letters, digits, _ . : - only, starting with a letter or digit',
});

const listenAddress = z
  .string()
  .regex(/^(?:\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, { message: 'expected HOST:PORT, e.g. 127.0.0.1:9813' })
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
        insecureSkipVerify: z.boolean().default(false),
      })
      .optional(),
    requestTimeout: duration('Timeout of every REST request').prefault('10s'),
    concurrency: z.int().min(1).max(256).default(8).describe('REST requests in flight at once to this cluster'),
    retries: z.int().min(0).max(10).default(2).describe('Retries of idempotent GETs, with backoff'),
    checkpointDir: nonEmpty
      .optional()
      .describe('The cluster checkpoint directory (state.checkpoints.dir), scanned as a last resort when restoring'),
  })
  .refine((c) => !(c.bearerToken !== undefined && c.basicAuth !== undefined), {
    message: 'set bearerToken or basicAuth, not both',
  });

export const webhookSchema = z
  .strictObject({
    bearerToken: nonEmpty.optional().describe('Credentials Alertmanager must send (http_config.authorization)'),
    basicAuth: basicAuth.optional(),
    maxBodyBytes: z
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
  })
  .refine((w) => (w.bearerToken === undefined) !== (w.basicAuth === undefined), {
    message: 'set exactly one of bearerToken or basicAuth: the webhook and API must not be open',
  });

export const notifySchema = z.strictObject({
  alertmanagerUrls: z
    .array(z.url({ protocol: /^https?$/ }))
    .min(1)
    .describe('Every Alertmanager peer; recovery outcomes are posted to /api/v2/alerts of each'),
  bearerToken: nonEmpty.optional(),
  basicAuth: basicAuth.optional(),
  timeout: duration('Timeout of one post').prefault('5s'),
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
  cooldown: duration('Least time between two attempts on the same job').prefault('5m'),
  backoffFactor: z.number().min(1).max(10).default(1).describe('Each further cooldown is the previous one times this'),
  maxCooldown: duration('Upper bound of a grown cooldown').prefault('1h'),
  resetAfter: duration('A job RUNNING this long closes its episode').prefault('10m'),
  verifyTimeout: duration('A resubmitted job must reach RUNNING within this').prefault('2m'),
  onNoCheckpoint: z.enum(['fresh', 'skip']).default('fresh').describe('fresh resubmits without state; skip gives up'),
  claimMode: claimMode.default('NO_CLAIM'),
  allowNonRestoredState: z.boolean().default(false),
  dryRun: z.boolean().default(false).describe('Log and count what would be done, submit nothing'),
  notRetryable: z
    .array(notRetryableRuleSchema)
    .max(100)
    .default([])
    .describe('Root causes that page instead of retrying; a job with its own list uses that instead'),
  missingAlertFor: duration(
    "The `for:` of the rule behind FlinkJobMissing: a missing job's failure moment is the alert's start minus this",
  ).prefault('15s'),
  notify: notifySchema.optional(),
});

export const jobSchema = z.strictObject({
  cluster: name.describe('A configured cluster name'),
  name: nonEmpty.describe('The Flink job name (what stays across resubmissions)'),
  jar: nonEmpty.describe('Local path of the job jar, uploaded when the cluster does not have it'),
  entryClass: nonEmpty.optional(),
  args: z.array(z.string()).default([]),
  parallelism: z.int().min(1).optional(),
  allowNonRestoredState: z.boolean().optional(),
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
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    tls: z.strictObject({ certFile: nonEmpty, keyFile: nonEmpty }).optional().describe('Serve HTTPS instead of HTTP'),
    clusters: z.array(clusterSchema).min(1, { message: 'at least one cluster is needed' }),
    webhook: webhookSchema,
    recovery: recoverySchema.prefault({}),
    jobs: z.array(jobSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const clusters = new Set<string>();
    config.clusters.forEach((c, i) => {
      if (clusters.has(c.name)) {
        ctx.addIssue({ code: 'custom', path: ['clusters', i, 'name'], message: `duplicate cluster name "${c.name}"` });
      }
      clusters.add(c.name);
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
    });
  });

export type Config = z.output<typeof configSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type WebhookConfig = z.output<typeof webhookSchema>;
export type RecoveryConfig = z.output<typeof recoverySchema>;
export type JobSpec = z.output<typeof jobSchema>;
export type NotRetryableRule = z.output<typeof notRetryableRuleSchema>;
export type ConfigInput = z.input<typeof configSchema>;
