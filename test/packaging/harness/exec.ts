// Commands the packaging checks run (npm, podman, helm, kubeconform, promtool), with their exit code kept.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  /** Default 20 minutes: an image build on a loaded machine. */
  readonly timeoutMs?: number;
}

/** Runs a command to its end; never throws for a non-zero exit (the caller asserts on `code`). */
export function exec(command: string, args: readonly string[], options: ExecOptions = {}): Promise<Exit> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      [...args],
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 20 * 60_000,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a command that must succeed; the error carries its output. */
export async function execOk(command: string, args: readonly string[], options: ExecOptions = {}): Promise<string> {
  const result = await exec(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}\n${result.stderr.slice(-4000)}${result.stdout.slice(-2000)}`,
    );
  }
  return result.stdout;
}

/** A Go tool built by scripts/provision-tools.sh (helm, kubeconform, promtool3). */
export function tool(name: 'helm' | 'kubeconform' | 'promtool3'): string {
  const dir = process.env.FLINK_GUARDIAN_TOOLS ?? join(homedir(), '.cache', 'flink-guardian', 'tools');
  const path = join(dir, 'bin', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/provision-tools.sh first`);
  return path;
}
