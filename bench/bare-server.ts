/**
 * The webhook baseline: a bare node:http server in its own process that reads a JSON body, parses it and
 * answers 200 with a small JSON, the least any webhook receiver does. flink-guardian's intake is compared to it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveCommands } from './ipc.js';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let alerts = 0;
    try {
      alerts = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alerts?: unknown[] }).alerts?.length ?? 0;
    } catch {
      res.writeHead(400).end();
      return;
    }
    const text = JSON.stringify({ status: 'accepted', alerts });
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
serveCommands({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, {}, () => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});
