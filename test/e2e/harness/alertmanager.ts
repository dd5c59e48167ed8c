import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnManaged } from './process.js';
import { readyServer, type RunningServer } from './prometheus.js';
import { freePort } from './util.js';

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
