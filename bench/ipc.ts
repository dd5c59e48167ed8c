/**
 * A small request/answer channel to a forked child process (the simulator, the floor and naive fetchers,
 * the load generator): every benchmark party runs in its own process so one's CPU does not slow another.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { unconfined, type Confine } from './cgroup.js';

interface Answer {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

/** A forked child answering `{ id, cmd, args }` messages (see `serveCommands`). */
export class Child {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly proc: ChildProcess,
    readonly hello: Record<string, unknown>,
  ) {
    proc.on('message', (msg: Answer) => {
      const p = this.pending.get(msg.id);
      if (p === undefined) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(msg.error ?? 'child failed'));
    });
    proc.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`child exited (${code})`));
      this.pending.clear();
    });
  }

  /**
   * Forks `file` with `args` and waits for its `{ ready: true, ... }` greeting; `confine` may run it in a memory
   * cgroup (fork puts the module and its arguments after the command's own).
   */
  static async start(file: string, args: readonly string[] = [], confine: Confine = unconfined): Promise<Child> {
    const run = confine({ command: process.execPath, args: [] });
    const proc = fork(file, [...args], {
      execPath: run.command,
      execArgv: [...run.args],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
      proc.once('message', (m) => resolve(m as Record<string, unknown>));
      proc.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
    });
    return new Child(proc, hello);
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** Sends one command and resolves with its answer. */
  call<T>(cmd: string, args: unknown = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, cmd, args });
    });
  }

  /** Ends the child: a disconnect makes it close and exit; a kill follows if it lingers. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    if (this.proc.connected) this.proc.disconnect();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

type Handler = (args: never) => unknown;

/** The child side: greets the parent with `hello`, answers commands, runs `onClose` when the parent goes away. */
export function serveCommands(
  hello: Record<string, unknown>,
  handlers: Record<string, Handler>,
  onClose: () => Promise<void> | void,
): void {
  process.on('message', (msg: { id: number; cmd: string; args: unknown }) => {
    const handler = handlers[msg.cmd];
    Promise.resolve()
      .then(() => {
        if (handler === undefined) throw new Error(`unknown command ${msg.cmd}`);
        return (handler as (a: unknown) => unknown)(msg.args);
      })
      .then(
        (result) => process.send?.({ id: msg.id, ok: true, result }),
        (err: unknown) =>
          process.send?.({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
  });
  process.on('disconnect', () => {
    void Promise.resolve(onClose()).finally(() => process.exit(0));
  });
  process.send?.({ ready: true, ...hello });
}
