/** Listening and graceful shutdown: stop accepting, let in-flight requests finish, then close. */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  /** The bound address, e.g. 127.0.0.1:9813 (the real port when 0 was asked). */
  readonly address: string;
  /** Stops accepting; resolves when in-flight requests are done or `graceMs` has passed. */
  close(graceMs?: number): Promise<void>;
}

/** Splits HOST:PORT (IPv6 in brackets). */
export function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(at + 1)) };
}

/** Starts an HTTP(S) server for `handler` on `listen`. */
export async function startServer(
  handler: RequestListener,
  listen: string,
  tls?: { certFile: string; keyFile: string },
): Promise<RunningServer> {
  const server: Server = tls
    ? createHttpsServer({ cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) }, handler)
    : createHttpServer(handler);
  server.keepAliveTimeout = 65_000;
  let closing = false;
  // Requests that still arrive on kept-alive connections during shutdown are answered, then the connection ends.
  server.on('request', (_req, res) => {
    if (closing) res.setHeader('Connection', 'close');
  });
  const { host, port } = parseListen(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const address = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  return {
    address,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        closing = true;
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        // A connection busy when close() was called goes idle later; Node only closes the idle ones it sees.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        force.unref();
        sweep.unref();
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
