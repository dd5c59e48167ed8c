/** Listening and graceful shutdown: stop accepting, let in-flight requests finish, then close. */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { refuseClient, type WebConfig } from './web-config.js';
import type { RequestGuard } from './web-guard.js';

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

export interface ServerOptions {
  /** HTTPS from the configuration file's `tls` (certificate and key files). */
  readonly tls?: { certFile: string; keyFile: string };
  /** `--web.config.file`: its TLS (with client certificates) replaces `tls`. */
  readonly web?: WebConfig;
  /** Runs before `handler` on every request (the web configuration's basic auth, headers, rate limit). */
  readonly guard?: RequestGuard;
  /** Told why a TLS client was dropped after its handshake. */
  readonly onRefusedClient?: (reason: string, remote: string | undefined) => void;
}

function guarded(handler: RequestListener, guard: RequestGuard | undefined): RequestListener {
  if (guard === undefined) return handler;
  return (req, res) => {
    guard(req, res).then(
      (pass) => {
        if (pass) handler(req, res);
      },
      () => {
        res.statusCode = 500;
        res.end();
      },
    );
  };
}

async function httpsOptions(options: ServerOptions): Promise<HttpsOptions | undefined> {
  if (options.web?.tls !== undefined) return options.web.tls.options;
  if (options.tls === undefined) return undefined;
  return { cert: await readFile(options.tls.certFile), key: await readFile(options.tls.keyFile) };
}

/** Starts an HTTP(S) server for `handler` on `listen`. */
export async function startServer(
  handler: RequestListener,
  listen: string,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const listener = guarded(handler, options.guard);
  const tls = await httpsOptions(options);
  const server: Server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  const policy = options.web?.tls?.clientCert;
  if (policy !== undefined) {
    // The handshake is over but no request has been read yet: dropping here is what a failed handshake looks like.
    server.on('secureConnection', (socket: TLSSocket) => {
      const reason = refuseClient(socket, policy);
      if (reason === undefined) return;
      options.onRefusedClient?.(reason, socket.remoteAddress);
      socket.destroy();
    });
  }
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
