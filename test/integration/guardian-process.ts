/** The built service (`bin/flink-guardian.js serve`) as a child process, for integration tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';

export const BIN = 'bin/flink-guardian.js';
export const TOKEN = 'faults-token';

export interface GuardianProcess {
  readonly child: ChildProcess;
  readonly base: string;
  /** Its log lines (JSON), as they come. */
  readonly logs: string[];
}

/** Starts `serve` on a free port and resolves once it logs that it serves. */
export function serve(config: string): Promise<GuardianProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--config', config, '--listen', '127.0.0.1:0']);
    const logs: string[] = [];
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      const entry = JSON.parse(line) as { msg?: string; address?: string };
      if (entry.msg === 'flink-guardian serving') resolve({ child, base: `http://${entry.address}`, logs });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

/**
 * Writes the configuration of two clusters, `healthy` and `sick` (1 s per request, 2 retries, 1 MiB answers at
 * most), with the catalog job `clicks` on the sick one; returns its path.
 */
export async function twoClusterConfig(dir: string, healthy: string, sick: string): Promise<string> {
  const jar = join(dir, 'clicks.jar');
  await writeFile(jar, 'PK');
  const file = join(dir, 'guardian.yaml');
  const cluster = (name: string, url: string) => ({
    name,
    url,
    requestTimeout: '1s',
    retries: 2,
    maxResponseBytes: 1024 * 1024,
  });
  await writeFile(
    file,
    stringify({
      stateDir: join(dir, 'state'),
      clusters: [cluster('healthy', healthy), cluster('sick', sick)],
      webhook: { bearerToken: TOKEN },
      jobs: [{ cluster: 'sick', name: 'clicks', jar }],
    }),
  );
  return file;
}
