/**
 * Golden-test input as Flink serves it: the wire bodies of scenarios.ts answered over HTTP by a small server
 * in Flink's shapes (a 404 for checkpointing that is off, the metrics array with only what was asked for and
 * is reported), collected by the real client, so parsing and transport are inside the golden path.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clusterSchema } from '../../../src/config/schema.js';
import { collectCluster } from '../../../src/exporter/collect.js';
import { InstanceCache } from '../../../src/exporter/instance-cache.js';
import type { ClusterSnapshot } from '../../../src/exporter/snapshot.js';
import { createFlinkClient } from '../../../src/flink/client.js';
import { jobWire, overviewWire, type Dialect, type WireDetails, type WireJob } from './scenarios.js';

const DISABLED = '{"errors":["Checkpointing has not been enabled."]}';

function checkpointConfigWire(dialect: Dialect, details: WireDetails): string {
  const base = JSON.parse(readFileSync(`test/fixtures/flink/${dialect}/checkpoints-config.json`, 'utf8')) as Record<
    string,
    unknown
  >;
  return JSON.stringify({
    ...base,
    externalization: details.retention ?? { enabled: true, delete_on_cancellation: false },
  });
}

/** The `get` metrics Flink reports for a job of these details. */
function metricsWire(details: WireDetails, wanted: readonly string[]): string {
  const values: Record<string, string> = {};
  if (details.restarts !== undefined) values.numRestarts = String(details.restarts);
  if (details.checkpoints !== 'disabled') {
    const counts = details.checkpoints.counts as Record<string, number>;
    values.numberOfCompletedCheckpoints = String(counts.completed);
    values.numberOfFailedCheckpoints = String(counts.failed);
    values.numberOfInProgressCheckpoints = String(counts.in_progress);
  }
  return JSON.stringify(wanted.filter((id) => id in values).map((id) => ({ id, value: values[id] })));
}

/** Serves the cluster, collects it once with the real client, and stops serving. */
export async function servedSnapshot(
  dialect: Dialect,
  cluster: string,
  jobs: readonly WireJob[],
  details: Readonly<Record<string, WireDetails>>,
): Promise<ClusterSnapshot> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://flink');
    const send = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(body);
    };
    if (url.pathname === '/overview') return send(200, JSON.stringify(overviewWire(dialect)));
    if (url.pathname === '/jobs/overview') {
      return send(200, JSON.stringify({ jobs: jobs.map((j) => jobWire(dialect, j)) }));
    }
    const m = /^\/jobs\/([0-9a-f]{32})\/(checkpoints|checkpoints\/config|metrics)$/.exec(url.pathname);
    const d = m === null ? undefined : details[m[1] as string];
    if (m === null || d === undefined) return send(404, '{"errors":["Not found."]}');
    if (m[2] === 'metrics') return send(200, metricsWire(d, (url.searchParams.get('get') ?? '').split(',')));
    if (d.checkpoints === 'disabled') return send(404, DISABLED);
    return send(200, m[2] === 'checkpoints' ? JSON.stringify(d.checkpoints) : checkpointConfigWire(dialect, d));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createFlinkClient(clusterSchema.parse({ name: cluster, url, retries: 0 }));
  try {
    return await collectCluster(client, new InstanceCache());
  } finally {
    await client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A cluster nobody listens for, collected by the real client. */
export async function unreachableSnapshot(cluster: string): Promise<ClusterSnapshot> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const client = createFlinkClient(clusterSchema.parse({ name: cluster, url: `http://127.0.0.1:${port}`, retries: 0 }));
  try {
    return await collectCluster(client, new InstanceCache());
  } finally {
    await client.close();
  }
}
