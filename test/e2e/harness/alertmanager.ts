import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnManaged } from './process.js';
import { readyServer, type RunningServer } from './prometheus.js';
import { freePort, waitFor } from './util.js';

export interface AlertmanagerOptions {
  /** alertmanager.yml to run. */
  readonly configFile: string;
  /** Run folder: storage and log go here. */
  readonly dir: string;
  readonly port?: number;
  /**
   * Gossip: leave out for a lone Alertmanager (cluster disabled). For a cluster give `clusterPort` (this peer's
   * gossip port on 127.0.0.1) and `clusterPeers` (the others' host:port).
   */
  readonly clusterPort?: number;
  readonly clusterPeers?: readonly string[];
  /** How long a peer waits per position before it notifies itself (default "2s"; Alertmanager's own is 15s). */
  readonly peerTimeout?: string;
  readonly extraArgs?: readonly string[];
  /** Default /usr/bin/prometheus-alertmanager (`ALERTMANAGER_BIN`). */
  readonly binary?: string;
}

export interface RunningAlertmanager extends RunningServer {
  /** Gossip address (host:port) when clustered. */
  readonly clusterAddress: string | undefined;
}

/** Starts Alertmanager on 127.0.0.1 and waits for /-/ready. */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const port = options.port ?? (await freePort());
  const storage = join(options.dir, `alertmanager-data-${port}`);
  mkdirSync(storage, { recursive: true });
  const clusterAddress = options.clusterPort !== undefined ? `127.0.0.1:${options.clusterPort}` : undefined;
  const clusterArgs =
    clusterAddress === undefined
      ? ['--cluster.listen-address=']
      : [
          `--cluster.listen-address=${clusterAddress}`,
          `--cluster.advertise-address=${clusterAddress}`,
          ...(options.clusterPeers ?? []).map((p) => `--cluster.peer=${p}`),
          // the default settle/gossip timings are made for real networks
          `--cluster.peer-timeout=${options.peerTimeout ?? '2s'}`,
          '--cluster.gossip-interval=100ms',
          '--cluster.pushpull-interval=5s',
          '--cluster.settle-timeout=10s',
        ];
  const logFile = join(options.dir, `alertmanager-${port}.log`);
  const proc = spawnManaged({
    name: 'alertmanager',
    command: options.binary ?? process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager',
    args: [
      `--config.file=${options.configFile}`,
      `--storage.path=${storage}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...clusterArgs,
      ...(options.extraArgs ?? []),
    ],
    logFile,
    cwd: options.dir,
  });
  const server = await readyServer(proc, port, logFile, 'Alertmanager');
  return { ...server, clusterAddress };
}

/**
 * Starts two Alertmanagers gossiping with each other (a replicated pair, as deployed) and waits until each
 * sees both peers. `ports` are their web ports (free ones when omitted). On a failure the started one stops.
 */
export async function startAlertmanagerPair(options: {
  readonly configFile: string;
  readonly dir: string;
  readonly ports?: readonly [number, number];
}): Promise<[RunningAlertmanager, RunningAlertmanager]> {
  const gossip = [await freePort(), await freePort()] as const;
  const started: RunningAlertmanager[] = [];
  try {
    for (const [i, mine] of gossip.entries()) {
      started.push(
        await startAlertmanager({
          configFile: options.configFile,
          dir: options.dir,
          ...(options.ports === undefined ? {} : { port: options.ports[i] }),
          clusterPort: mine,
          clusterPeers: [`127.0.0.1:${gossip[1 - i]}`],
        }),
      );
    }
    await waitFor(
      async () => {
        for (const am of started) {
          const status = (await (await fetch(`${am.url}/api/v2/status`)).json()) as { cluster: { peers: unknown[] } };
          if (status.cluster.peers.length !== 2) return false;
        }
        return true;
      },
      30_000,
      { what: 'the Alertmanager peers to see each other' },
    );
    return [started[0] as RunningAlertmanager, started[1] as RunningAlertmanager];
  } catch (error) {
    for (const am of started) await am.stop().catch(() => undefined);
    throw error;
  }
}
