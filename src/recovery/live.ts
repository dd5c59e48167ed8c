/** What Flink says about one job name right now: the only ground the recoverer acts on. */
import type { JobOverview } from '../flink/types.js';

export type LiveView =
  | { readonly kind: 'ok'; readonly instances: readonly JobOverview[] }
  | { readonly kind: 'unreachable'; readonly error: string };

/** The instances of one job name in a `/jobs/overview` answer. */
export function liveViewOf(all: readonly JobOverview[], jobName: string): LiveView {
  return { kind: 'ok', instances: all.filter((j) => j.name === jobName) };
}

/** The current instance: the latest start time (then the latest modification) among those of a name. */
export function currentInstance(instances: readonly JobOverview[]): JobOverview | undefined {
  let best: JobOverview | undefined;
  for (const j of instances) {
    if (
      best === undefined ||
      j.startTime > best.startTime ||
      (j.startTime === best.startTime && j.lastModification > best.lastModification)
    ) {
      best = j;
    }
  }
  return best;
}
