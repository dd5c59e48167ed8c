/**
 * A Flink JobManager REST API simulator on 127.0.0.1 for integration tests and benchmarks: the simulated
 * cluster of `cluster.ts` behind a real HTTP server. The API is documented in README.md beside this file and
 * is kept stable: other suites build on it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulatedCluster, type SimAnswer, type SimulatedCluster, type SimulatorOptions } from './cluster.js';
import { errorBody } from './wire.js';

export type {
  CompleteCheckpointOptions,
  Dialect,
  Endpoint,
  Fault,
  RecordedRun,
  RecordedUpload,
  Retention,
  RunBehaviour,
  SimException,
  SimJobSpec,
  SimJobView,
  SimulatedCluster,
  SimulatorOptions,
} from './cluster.js';

export interface FlinkSimulator extends SimulatedCluster {
  readonly url: string;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(req: IncomingMessage, res: ServerResponse, answer: SimAnswer): void {
  if (answer.kind === 'reset') {
    req.socket.destroy();
    return;
  }
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Starts a simulator listening on 127.0.0.1 at a free port. */
export async function startFlinkSimulator(options: SimulatorOptions = {}): Promise<FlinkSimulator> {
  const cluster = createSimulatedCluster(options);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const answer = await cluster.dispatch({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body,
    });
    send(req, res, answer);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        send(req, res, {
          kind: 'response',
          status: 500,
          body: errorBody('Internal server error.', `<simulator: ${String(err)}>`),
        });
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...cluster,
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
