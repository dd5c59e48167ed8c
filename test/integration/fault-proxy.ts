/**
 * A small HTTP server in front of a Flink simulator that passes requests through or answers with a fault:
 * the ways a sick JobManager (or a proxy before it) answers, which the simulator itself cannot show.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyFault =
  | 'none'
  | 'hang'
  | 'drip'
  | 'status-500'
  | 'leader-election-503'
  | 'truncated-json'
  | 'wrong-shape'
  | 'oversized'
  | 'reset';

export const FAULTS: readonly Exclude<ProxyFault, 'none'>[] = [
  'hang',
  'drip',
  'status-500',
  'leader-election-503',
  'truncated-json',
  'wrong-shape',
  'oversized',
  'reset',
];

export interface FaultProxy {
  readonly url: string;
  /** Applies `fault` to every request, or (`perJob`) only to `/jobs/<id>/…`. */
  set(fault: ProxyFault, scope?: 'all' | 'perJob'): void;
  close(): Promise<void>;
}

function forward(upstream: URL, req: IncomingMessage, done: (status: number, body: Buffer) => void): void {
  const out = request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
    (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(res.statusCode ?? 502, Buffer.concat(chunks)));
    },
  );
  out.on('error', () => done(502, Buffer.from('{"errors":["upstream"]}')));
  req.pipe(out);
}

/** Starts a proxy to `upstream` (the simulator's URL) on a free port of 127.0.0.1. */
export async function startFaultProxy(upstream: string, bytesOversized = 4 * 1024 * 1024): Promise<FaultProxy> {
  const target = new URL(upstream);
  let fault: ProxyFault = 'none';
  let scope: 'all' | 'perJob' = 'all';
  const timers = new Set<NodeJS.Timeout>();
  const applies = (req: IncomingMessage): boolean =>
    fault !== 'none' && (scope === 'all' || /^\/jobs\/[0-9a-f]{32}\//.test(req.url ?? ''));

  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const json = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    };
    switch (fault) {
      case 'hang':
        return;
      case 'drip': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const timer = setInterval(() => res.write(' '), 100);
        timers.add(timer);
        res.on('close', () => {
          clearInterval(timer);
          timers.delete(timer);
        });
        return;
      }
      case 'status-500':
        json(500, '{"errors":["Internal server error."]}');
        return;
      case 'leader-election-503':
        json(503, '{"errors":["Service temporarily unavailable due to an ongoing leader election. Please refresh."]}');
        return;
      case 'truncated-json':
        forward(target, req, (status, body) => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(body.subarray(0, body.length >> 1));
        });
        return;
      case 'wrong-shape':
        json(200, '{"jobs":"none","taskmanagers":"many","latest":[]}');
        return;
      case 'oversized': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"jobs":[{"jid":"00000000000000000000000000000000","name":"');
        const piece = 'x'.repeat(64 * 1024);
        let sent = 0;
        const more = (): void => {
          while (sent < bytesOversized) {
            sent += piece.length;
            if (!res.write(piece)) return void res.once('drain', more);
          }
          res.end('","state":"RUNNING","start-time":1,"end-time":-1,"last-modification":1}]}');
        };
        res.on('error', () => undefined);
        more();
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'none':
        return;
    }
  };

  const server = createServer((req, res) => {
    if (applies(req)) {
      answer(req, res);
      return;
    }
    forward(target, req, (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(next, nextScope = 'all') {
      fault = next;
      scope = nextScope;
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
