import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';

/** A child process started in its own process group, its stdout and stderr appended to one log file. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** True until the process has exited. */
  running(): boolean;
  /** SIGKILL to the whole group; resolves when the process has exited. */
  kill(): Promise<void>;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const live = new Map<number, string>();
let hooksInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Kills every process group this module started and that is still running (SIGKILL). Synchronous. */
export function killAllManaged(): void {
  for (const pid of live.keys()) killGroup(pid, 'SIGKILL');
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // Nothing started by a test may outlive it: 'exit' covers normal ends and process.exit(), the signal
  // handlers cover the test runner's SIGTERM on timeout and a person's ^C.
  process.on('exit', killAllManaged);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllManaged();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Starts a process detached in its own group (so a kill reaches all of it), logging to `logFile` (appended). */
export function spawnManaged(options: SpawnOptions): ManagedProcess {
  installExitHooks();
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
  live.set(pid, options.name);
  // The handle must not keep a test process alive: the exit hook kills what is left.
  child.unref();
  let done = false;
  const exited = new Promise<number | string>((resolveExit) => {
    child.once('exit', (code, signal) => {
      done = true;
      live.delete(pid);
      resolveExit(code ?? signal ?? 'unknown');
    });
    child.once('error', () => {
      done = true;
      live.delete(pid);
      resolveExit('spawn-error');
    });
  });
  // The child handle is unref'd, so a wait for its exit must hold the event loop open itself.
  const waitExit = async (ms: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    running: () => !done,
    async kill() {
      if (done) return;
      killGroup(pid, 'SIGKILL');
      await waitExit(60_000);
    },
    async stop(graceMs = 10_000) {
      if (done) return;
      killGroup(pid, 'SIGTERM');
      if (!(await waitExit(graceMs))) {
        killGroup(pid, 'SIGKILL');
        await waitExit(60_000);
      }
    },
  };
}

/** The last `lines` lines of a log file (empty string if unreadable), for error messages. */
export function tailLog(file: string, lines = 40): string {
  try {
    const size = statSync(file).size;
    const text = readFileSync(file, 'utf8').slice(Math.max(0, size - 64 * 1024));
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
