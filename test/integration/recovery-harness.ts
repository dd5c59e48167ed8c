/** A flink-guardian recoverer (webhook included) wired against the Flink REST simulator, for integration tests. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { Registry } from 'prom-client';
import { systemClock } from '../../src/clock.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { createFlinkClient } from '../../src/flink/client.js';
import type { FlinkApi } from '../../src/flink/api.js';
import { silentLogger } from '../../src/log.js';
import { Recoverer } from '../../src/recovery/recoverer.js';
import { createWebhookRouter } from '../../src/webhook/router.js';
import { MapMemory } from '../support/job-memory.js';
import { startFlinkSimulator, type FlinkSimulator, type SimulatorOptions } from '../support/flink-sim/simulator.js';

export const TOKEN = 'integration-token';

export interface Env {
  readonly sim: FlinkSimulator;
  readonly dir: string;
  readonly jarPath: string;
  readonly memory: MapMemory;
  config: Config;
  recoverer: Recoverer;
  registry: Registry;
  url: string;
  client: FlinkApi;
  server: Server;
}

/** The configuration of a test: one cluster on the simulator, job `orders` from a local jar, short durations. */
export function testConfig(
  simUrl: string,
  dir: string,
  jarPath: string,
  recovery: Record<string, unknown> = {},
  cluster: Record<string, unknown> = {},
): Config {
  return configSchema.parse({
    stateDir: join(dir, 'state'),
    clusters: [{ name: 'prod', url: simUrl, retries: 0, requestTimeout: '2s', ...cluster }],
    webhook: { bearerToken: TOKEN, maxBodyBytes: 65536, maxAlerts: 1000, maxLabelValueLength: 1024 },
    recovery: { maxAttempts: 3, cooldown: '100ms', resetAfter: '300ms', verifyTimeout: '1s', ...recovery },
    jobs: [
      {
        cluster: 'prod',
        name: 'orders',
        jar: jarPath,
        entryClass: 'com.example.Orders',
        args: ['--env', 'test'],
        parallelism: 1,
      },
    ],
  });
}

/** Starts the simulator, writes a jar file, and builds the service. */
export async function startEnv(
  opts: { sim?: SimulatorOptions; recovery?: Record<string, unknown>; cluster?: Record<string, unknown> } = {},
): Promise<Env> {
  const sim = await startFlinkSimulator({
    version: '2.1.0',
    jobNames: { 'com.example.Orders': 'orders' },
    ...opts.sim,
  });
  const dir = await mkdtemp(join(tmpdir(), 'guardian-recovery-'));
  const jarPath = join(dir, 'orders.jar');
  await writeFile(jarPath, 'PK\u0003\u0004 not really a jar');
  const memory = new MapMemory();
  const config = testConfig(sim.url, dir, jarPath, opts.recovery, opts.cluster);
  const env = { sim, dir, jarPath, memory, config } as Env;
  await startService(env);
  return env;
}

/** (Re)starts the recoverer and its webhook on the env's configuration and state directory. */
export async function startService(env: Env): Promise<void> {
  const cluster = env.config.clusters[0];
  if (cluster === undefined) throw new Error('no cluster');
  env.client = createFlinkClient(cluster, { retryBaseMs: 1 });
  env.registry = new Registry();
  env.recoverer = await Recoverer.create({
    config: env.config,
    clients: new Map([['prod', env.client]]),
    memory: env.memory,
    clock: systemClock,
    logger: silentLogger(),
    registry: env.registry,
  });
  await env.recoverer.start();
  const app = express();
  app.use(
    createWebhookRouter({
      config: env.config.webhook,
      recoverer: env.recoverer,
      registry: env.registry,
      logger: silentLogger(),
    }),
  );
  env.server = app.listen(0, '127.0.0.1');
  await new Promise((r) => env.server.once('listening', r));
  env.url = `http://127.0.0.1:${(env.server.address() as AddressInfo).port}`;
}

export async function stopService(env: Env): Promise<void> {
  await new Promise((r) => env.server.close(r));
  await env.recoverer.stop();
  await env.client.close();
}

export async function closeEnv(env: Env): Promise<void> {
  await stopService(env);
  await env.sim.close();
  await rm(env.dir, { recursive: true, force: true });
}

/** POSTs a body to the webhook. */
export async function notify(env: Env, body: unknown, token: string | null = TOKEN): Promise<Response> {
  return fetch(`${env.url}/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Polls `cond` every 10 ms until it holds or `timeoutMs` passes. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The value of one series of the env's registry. */
export async function metric(env: Env, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = (await env.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return m?.values.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
}

/** The run requests the simulator received, by body. */
export function runs(env: Env): { jobId?: string; savepointPath?: string; status: number }[] {
  return env.sim.runRequests().map((r) => {
    const body = r.body as { jobId?: string; savepointPath?: string };
    return {
      status: r.status,
      ...(body.jobId === undefined ? {} : { jobId: body.jobId }),
      ...(body.savepointPath === undefined ? {} : { savepointPath: body.savepointPath }),
    };
  });
}

export function episodeOf(env: Env) {
  return env.recoverer.episodes().find((e) => e.jobName === 'orders');
}
