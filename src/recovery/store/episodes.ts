/**
 * The durable episode store: one small JSON file per job (`<stateDir>/episodes/<cluster>/<job>.json`), written
 * atomically and awaited before the recoverer acts, so a `kill -9` at any moment leaves an intent that start-up
 * can reconcile with Flink. A write costs the same with 1 or 10,000 episodes, and jobs do not wait for each
 * other's writes; writes of one job stay in order.
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import {
  moveAside,
  readJsonFile,
  removeLeftoverTemps,
  writeJsonAtomic,
  type JsonReadResult,
} from '../../state/atomic-file.js';
import { episodeFileSchema, episodesFileSchema, type Episode } from '../model/episode-schema.js';

/** The store's key of a job; cluster names cannot contain `/`, so this is unambiguous. */
export function jobKey(cluster: string, jobName: string): string {
  return `${cluster}/${jobName}`;
}

/** Longest encoded name used as is; longer ones are shortened and made unique with a hash. */
const MAX_NAME = 180;

/**
 * A name as a file name on any file system: letters, digits, `_` and `-` stay, every other UTF-8 byte becomes
 * `%XX` (so no `/`, no `.` or `..`, no hidden or temporary-looking names); very long names keep a prefix and a hash.
 */
export function fileNameOf(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length <= MAX_NAME) return out;
  return `${out.slice(0, MAX_NAME - 34)}~${createHash('sha256').update(name).digest('hex').slice(0, 32)}`;
}

/** The directory of the per-job episode files. */
export function episodesDir(stateDir: string): string {
  return join(stateDir, 'episodes');
}

/** Where a job's episode is kept. */
export function episodeFile(stateDir: string, cluster: string, jobName: string): string {
  return join(episodesDir(stateDir), fileNameOf(cluster), `${fileNameOf(jobName)}.json`);
}

export interface EpisodeStoreOptions {
  /** Move corrupt or unreadable files aside (their jobs start with no episode) instead of refusing to start. */
  readonly startEmpty?: boolean;
  readonly logger?: Logger;
}

export class EpisodeStore {
  /** Where the episode files are (for logs). */
  readonly file: string;
  private readonly byJob = new Map<string, Episode>();
  /** The tail of each job's write chain, while it has writes in flight. */
  private readonly writing = new Map<string, Promise<void>>();

  private constructor(private readonly stateDir: string) {
    this.file = episodesDir(stateDir);
  }

  /**
   * Loads every job's episode file, and the older single `episodes.json` if one is left (its episodes move to
   * per-job files, and it is renamed `episodes.json.migrated`). Throws StateError naming a corrupt file,
   * unless startEmpty, which moves it aside (never overwrites it) and goes on without it.
   */
  static async open(stateDir: string, options: EpisodeStoreOptions = {}): Promise<EpisodeStore> {
    const store = new EpisodeStore(stateDir);
    for (const file of await episodeFiles(store.file, options)) {
      const read = await readJsonFile(file, episodeFileSchema);
      const ep = await usable(read, options, (e) => ({
        episode: e.episode,
        error: misplaced(stateDir, file, e.episode),
      }));
      if (ep !== undefined) store.byJob.set(jobKey(ep.cluster, ep.jobName), ep);
    }
    await store.migrate(options);
    return store;
  }

  private async migrate(options: EpisodeStoreOptions): Promise<void> {
    const legacy = join(this.stateDir, 'episodes.json');
    const read = await readJsonFile(legacy, episodesFileSchema);
    if (read.kind === 'absent') return;
    if (read.kind === 'corrupt') {
      await usable(read, options, () => ({ episode: undefined, error: undefined }));
      return;
    }
    for (const ep of read.value.episodes) {
      const key = jobKey(ep.cluster, ep.jobName);
      // A per-job file is newer than anything in the old file.
      if (this.byJob.has(key)) continue;
      await this.put(ep);
    }
    try {
      await rename(legacy, `${legacy}.migrated`);
    } catch (err) {
      throw new StateError('STATE_WRITE_FAILED', legacy, `cannot rename after migrating: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    options.logger?.info(
      { file: legacy, episodes: read.value.episodes.length, dir: this.file },
      'episode state moved to one file per job',
    );
  }

  /** The latest episode of a job, if any. */
  get(cluster: string, jobName: string): Episode | undefined {
    return this.byJob.get(jobKey(cluster, jobName));
  }

  /** Every job's latest episode. */
  all(): Episode[] {
    return [...this.byJob.values()];
  }

  /** Stores a job's episode and resolves once it is durable; on failure the previous value is kept. */
  async put(episode: Episode): Promise<void> {
    const key = jobKey(episode.cluster, episode.jobName);
    const previous = this.byJob.get(key);
    this.byJob.set(key, episode);
    const file = episodeFile(this.stateDir, episode.cluster, episode.jobName);
    const write = (this.writing.get(key) ?? Promise.resolve()).then(() =>
      writeJsonAtomic(file, { version: 1, episode }),
    );
    // Later writes must not inherit this one's failure; each carries the job's whole episode anyway.
    const tail = write.catch(() => undefined);
    this.writing.set(key, tail);
    void tail.then(() => {
      if (this.writing.get(key) === tail) this.writing.delete(key);
    });
    try {
      await write;
    } catch (err) {
      if (this.byJob.get(key) === episode) {
        if (previous === undefined) this.byJob.delete(key);
        else this.byJob.set(key, previous);
      }
      throw err;
    }
  }

  /** Resolves once every write started so far has finished. */
  async flush(): Promise<void> {
    await Promise.all([...this.writing.values()]);
  }
}

/**
 * Every `<cluster>/<job>.json` below `dir`; temporary and moved-aside files are not episode files, and the
 * temporary files of interrupted writes are removed. Something else where a cluster's folder or a job's file
 * belongs would fail every write of its jobs: it is a startup error naming it (moved aside with startEmpty).
 */
async function episodeFiles(dir: string, options: EpisodeStoreOptions): Promise<string[]> {
  const files: string[] = [];
  for (const cluster of await listDir(dir)) {
    // Cluster folder names hold no dot (fileNameOf): dotted entries are moved-aside or someone else's.
    if (cluster.name.includes('.')) continue;
    const clusterDir = join(dir, cluster.name);
    if (!(await isKind(clusterDir, cluster, 'directory'))) {
      await misplacedEntry(clusterDir, 'is not a directory, where the episode files of a cluster belong', options);
      continue;
    }
    for (const removed of await removeLeftoverTemps(clusterDir)) {
      options.logger?.info({ file: removed }, 'removed the temporary file of an interrupted write');
    }
    for (const entry of await listDir(clusterDir)) {
      if (!entry.name.endsWith('.json') || entry.name.startsWith('.')) continue;
      const file = join(clusterDir, entry.name);
      if (await isKind(file, entry, 'file')) files.push(file);
      else await misplacedEntry(file, 'is not a regular file, where the episode file of a job belongs', options);
    }
  }
  return files.sort();
}

/** Whether a listed entry is (or, for a symbolic link, points to) a file or a directory. */
async function isKind(path: string, entry: Dirent, kind: 'file' | 'directory'): Promise<boolean> {
  if (!entry.isSymbolicLink()) return kind === 'file' ? entry.isFile() : entry.isDirectory();
  try {
    const target = await stat(path);
    return kind === 'file' ? target.isFile() : target.isDirectory();
  } catch {
    return false; // a dangling link stands in the way as much as a directory does
  }
}

/** A directory where a file belongs, or the other way round: refused, or moved aside with startEmpty. */
async function misplacedEntry(path: string, what: string, options: EpisodeStoreOptions): Promise<void> {
  const error = new StateError('STATE_CORRUPT', path, `${what}; move or remove it`);
  if (options.startEmpty !== true) throw error;
  const aside = await moveAside(path);
  options.logger?.warn({ file: path, moved_to: aside ?? null, error: error.message }, 'episode state in the way');
}

async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StateError('STATE_UNREADABLE', dir, `cannot list: ${errorMessage(err)}`, { cause: err });
  }
}

/** A file whose episode belongs to another job's file: copied or renamed by hand, so not to be trusted. */
function misplaced(stateDir: string, file: string, ep: Episode): StateError | undefined {
  if (episodeFile(stateDir, ep.cluster, ep.jobName) === file) return undefined;
  return new StateError(
    'STATE_CORRUPT',
    file,
    `holds the episode of ${ep.cluster}/${ep.jobName}, ` +
      `which belongs in ${episodeFile(stateDir, ep.cluster, ep.jobName)}`,
  );
}

/**
 * The episode of a read file, or undefined; a corrupt file throws, or with startEmpty is moved aside (a person
 * may need it to understand what happened) and counts as no episode.
 */
async function usable<T>(
  read: JsonReadResult<T>,
  options: EpisodeStoreOptions,
  check: (value: T) => { episode: Episode | undefined; error: StateError | undefined },
): Promise<Episode | undefined> {
  if (read.kind === 'absent') return undefined;
  let error: StateError;
  if (read.kind === 'ok') {
    const checked = check(read.value);
    if (checked.error === undefined) return checked.episode;
    error = checked.error;
  } else {
    error = read.error;
  }
  if (options.startEmpty !== true) throw error;
  const aside = await moveAside(error.file);
  options.logger?.warn(
    { file: error.file, moved_to: aside ?? null, error: error.message },
    'episode state unreadable; starting without it',
  );
  return undefined;
}
