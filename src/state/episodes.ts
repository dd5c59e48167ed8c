/**
 * The durable episode store: one JSON file, rewritten atomically on every change and awaited before the
 * recoverer acts, so a `kill -9` at any moment leaves an intent that start-up can reconcile with Flink.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError } from '../errors.js';
import type { Logger } from '../log.js';
import { readJsonFile, writeJsonAtomic } from './atomic-file.js';
import { episodesFileSchema, type Episode } from './episodes-schema.js';

/** The store's key of a job; cluster names cannot contain `/`, so this is unambiguous. */
export function jobKey(cluster: string, jobName: string): string {
  return `${cluster}/${jobName}`;
}

export interface EpisodeStoreOptions {
  /** Move a corrupt or unreadable file aside and start with no episodes instead of refusing to start. */
  readonly startEmpty?: boolean;
  readonly logger?: Logger;
}

export class EpisodeStore {
  readonly file: string;
  private readonly byJob = new Map<string, Episode>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(file: string, episodes: readonly Episode[]) {
    this.file = file;
    for (const e of episodes) this.byJob.set(jobKey(e.cluster, e.jobName), e);
  }

  /** Loads `<stateDir>/episodes.json`; throws StateError naming the file when it is corrupt, unless startEmpty. */
  static async open(stateDir: string, options: EpisodeStoreOptions = {}): Promise<EpisodeStore> {
    const file = join(stateDir, 'episodes.json');
    const read = await readJsonFile(file, episodesFileSchema);
    if (read.kind === 'ok') return new EpisodeStore(file, read.value.episodes);
    if (read.kind === 'absent') return new EpisodeStore(file, []);
    if (options.startEmpty !== true) throw read.error;
    // Never overwrite what we could not read: a person may need it to understand what happened.
    const aside = `${file}.corrupt-${Date.now()}`;
    try {
      await rename(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new StateError('STATE_WRITE_FAILED', file, `cannot move the unreadable file aside: ${(err as Error).message}`, { cause: err });
      }
    }
    options.logger?.warn({ file, movedTo: aside, error: read.error.message }, 'episode state unreadable; starting empty');
    return new EpisodeStore(file, []);
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
    const write = this.writing.then(() => writeJsonAtomic(this.file, this.snapshot()));
    // Later writes must not inherit this one's failure; they carry the full state anyway.
    this.writing = write.catch(() => undefined);
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
    await this.writing;
  }

  private snapshot(): { version: 1; episodes: Episode[] } {
    return { version: 1, episodes: this.all() };
  }
}
