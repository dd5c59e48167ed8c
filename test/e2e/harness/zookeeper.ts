import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { spawnManaged, tailLog } from './process.js';
import { freePort, waitFor } from './util.js';

export interface ZooKeeperOptions {
  /** Run folder: data and log go here. */
  readonly dir: string;
  readonly port?: number;
  /** Debian's `zookeeper` package; its manifest's Class-Path brings the dependencies (`ZOOKEEPER_JAR`). */
  readonly jar?: string;
}

export interface RunningZooKeeper {
  /** `127.0.0.1:<port>`, for `high-availability.zookeeper.quorum`. */
  readonly quorum: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

/** Sends a four-letter word and returns the answer ('' when the server does not answer yet). */
function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolveAnswer) => {
    let answer = '';
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end(word));
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    socket.on('close', () => resolveAnswer(answer));
    socket.on('error', () => resolveAnswer(''));
  });
}

/**
 * A standalone ZooKeeper (`ZooKeeperServerMain zoo.cfg`) on 127.0.0.1 with its own data folder, the admin server
 * off (it would take port 8080), and `ruok` allowed so readiness is ZooKeeper's own answer.
 */
export async function startZooKeeper(options: ZooKeeperOptions): Promise<RunningZooKeeper> {
  const port = options.port ?? (await freePort());
  const dataDir = join(options.dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(options.dir, 'zookeeper.log');
  const configFile = join(options.dir, 'zoo.cfg');
  writeFileSync(
    configFile,
    [
      'tickTime=1000',
      `dataDir=${dataDir}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr',
      '',
    ].join('\n'),
  );
  const proc = spawnManaged({
    name: 'zookeeper',
    command: 'java',
    args: [
      '-Xmx128m',
      '-XX:+UseSerialGC',
      '-cp',
      options.jar ?? process.env.ZOOKEEPER_JAR ?? '/usr/share/java/zookeeper.jar',
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      configFile,
    ],
    logFile,
    cwd: options.dir,
  });
  try {
    await waitFor(
      async () => {
        if (!proc.running()) throw new Error(`ZooKeeper exited:\n${tailLog(logFile)}`);
        return (await fourLetterWord(port, 'ruok')) === 'imok';
      },
      60_000,
      { what: `ZooKeeper on 127.0.0.1:${port}`, intervalMs: 200 },
    );
  } catch (error) {
    await proc.stop(5000);
    throw error;
  }
  return { quorum: `127.0.0.1:${port}`, logFile, stop: () => proc.stop(5000) };
}
