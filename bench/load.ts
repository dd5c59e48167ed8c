/**
 * The webhook load generator in its own process: autocannon's programmatic API, one run per command
 * (a fixed-rate run, or a fixed number of requests as fast as they go).
 */
import autocannon, { type RequestSpec } from 'autocannon';
import { serveCommands } from './ipc.js';

interface LoadArgs {
  readonly url: string;
  readonly bodies: readonly string[];
  readonly token: string;
  readonly connections: number;
  readonly rate?: number;
  readonly durationS?: number;
  readonly amount?: number;
}

async function load(a: LoadArgs) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${a.token}` };
  const requests: RequestSpec[] = a.bodies.map((body) => ({ method: 'POST', path: '/alertmanager', headers, body }));
  const result = await autocannon({
    url: a.url,
    connections: a.connections,
    requests,
    ...(a.rate === undefined ? {} : { overallRate: a.rate }),
    ...(a.amount === undefined ? { duration: a.durationS ?? 10 } : { amount: a.amount }),
  });
  return {
    requests: result.requests.total,
    durationS: result.duration,
    reqPerS: result.requests.total / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

serveCommands({}, { load: (a: LoadArgs) => load(a) }, () => undefined);
