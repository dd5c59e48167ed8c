/** An in-memory JobMemory: what the recoverer remembers of each job, kept in a map and never written. */
import type { JobMemory, RememberedJob } from '../../src/state/job-memory.js';

export class MapMemory implements JobMemory {
  readonly map = new Map<string, RememberedJob>();
  get(cluster: string, jobName: string): RememberedJob | undefined {
    return this.map.get(`${cluster}/${jobName}`);
  }
  async record(): Promise<void> {}
}
