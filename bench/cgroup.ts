/**
 * `--memory-limit`: the service and the floor clients each run in a memory cgroup of their own with that limit, as
 * in a container with a memory limit (the Helm chart sets one). Node sizes V8's heap from the memory its cgroup may
 * use when it starts, so a party joins its cgroup before node runs: the command becomes a shell that writes its own
 * PID into the cgroup and then execs node (same PID, so the peak RSS and CPU read from /proc stay the party's).
 * Linux only, and the cgroup folder must be writable (root, or a delegated cgroup); otherwise an error says why.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../src/errors.js';

/** A memory limit as Kubernetes writes one (`512Mi`, `1Gi`) or in bytes. */
export interface MemoryLimit {
  readonly label: string;
  readonly bytes: number;
}

const UNITS: Readonly<Record<string, number>> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

/** Reads `--memory-limit`'s value; throws naming the flag when it is not a size of at least 64Mi. */
export function parseMemoryLimit(text: string): MemoryLimit {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(text.trim());
  const bytes = m === null ? Number.NaN : Number(m[1]) * (UNITS[m[2] ?? ''] ?? Number.NaN);
  if (!(bytes >= 64 * 2 ** 20)) {
    throw new Error(`--memory-limit must be a size of at least 64Mi such as 512Mi or 1Gi, not "${text}"`);
  }
  return { label: text.trim(), bytes };
}

/** A command and its arguments; `confine` returns the one that runs the same inside a cgroup. */
export interface Command {
  readonly command: string;
  readonly args: readonly string[];
}

export type Confine = (c: Command) => Command;

/** Runs the command as it is: the benchmark without `--memory-limit`. */
export const unconfined: Confine = (c) => c;

/**
 * The command run by a shell that first writes its own PID to `procsFile` (a cgroup's `cgroup.procs`, which moves it
 * there) and then execs the command, which keeps that PID.
 */
export function joiningFirst(procsFile: string, c: Command): Command {
  // $0 is the procs file; `$@` the command and its arguments.
  return { command: '/bin/sh', args: ['-c', 'echo $$ > "$0" && exec "$@"', procsFile, c.command, ...c.args] };
}

interface Hierarchy {
  /** The folder of the cgroup the benchmark runs in; the run's own folder goes under it. */
  readonly dir: string;
  /** The file that holds the limit: cgroup v2's `memory.max`, v1's `memory.limit_in_bytes`. */
  readonly limitFile: string;
}

/** Where this process's memory cgroup is: in v1's memory hierarchy when one is mounted, else in the unified one. */
function ownHierarchy(): Hierarchy {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const v1 = lines.map((l) => l.split(':')).find((f) => f[1]?.split(',').includes('memory'));
  if (v1 !== undefined && existsSync('/sys/fs/cgroup/memory')) {
    return { dir: join('/sys/fs/cgroup/memory', v1.slice(2).join(':')), limitFile: 'memory.limit_in_bytes' };
  }
  const v2 = lines.find((l) => l.startsWith('0::'));
  if (v2 !== undefined && existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    return { dir: join('/sys/fs/cgroup', v2.slice(3)), limitFile: 'memory.max' };
  }
  throw new Error('--memory-limit: no memory cgroup found (/proc/self/cgroup names neither v1 memory nor v2)');
}

/** Deletes an empty cgroup folder; false when it cannot (not there, or a process still in it). */
function removeCgroup(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/**
 * One cgroup per party under a folder of the run's own, each with `limit`. `remove()` deletes them; a cgroup still
 * holding a process (a party that did not exit) is left and named.
 */
export class MemoryCgroups {
  private readonly made: string[] = [];

  private constructor(
    readonly limit: MemoryLimit,
    private readonly hierarchy: Hierarchy,
    private readonly root: string,
  ) {}

  /** Makes the run's folder; throws with the path and the cause when the hierarchy is not writable. */
  static open(limit: MemoryLimit): MemoryCgroups {
    const hierarchy = ownHierarchy();
    const root = join(hierarchy.dir, `flink-guardian-bench-${process.pid}`);
    try {
      mkdirSync(root);
      // cgroup v2 hands the memory controller to children only when the parent enables it for them.
      if (hierarchy.limitFile === 'memory.max') writeFileSync(join(root, 'cgroup.subtree_control'), '+memory');
    } catch (err) {
      removeCgroup(root);
      const why = `${errorMessage(err)}; run as root or in a delegated cgroup`;
      throw new Error(`--memory-limit: cannot make a memory cgroup at ${root} (${why})`, { cause: err });
    }
    return new MemoryCgroups(limit, hierarchy, root);
  }

  /** The command run inside a new cgroup of its own with the limit. */
  readonly confine: Confine = (c) => {
    const dir = join(this.root, `party-${this.made.length}`);
    mkdirSync(dir);
    this.made.push(dir);
    writeFileSync(join(dir, this.hierarchy.limitFile), String(this.limit.bytes));
    return joiningFirst(join(dir, 'cgroup.procs'), c);
  };

  /** Deletes the parties' cgroups and the run's folder; returns those it could not delete. */
  remove(): string[] {
    return [...this.made.splice(0).reverse(), this.root].filter((dir) => !removeCgroup(dir));
  }
}
