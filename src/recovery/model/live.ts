/** What Flink says about one job name right now: the only ground the recoverer acts on. */
import type { JobOverview } from '../../flink/types.js';

export type LiveView =
  | { readonly kind: 'ok'; readonly instances: readonly JobOverview[] }
  | { readonly kind: 'unreachable'; readonly error: string };

/** The instances of one job name in a `/jobs/overview` answer. */
export function liveViewOf(all: readonly JobOverview[], jobName: string): LiveView {
  return { kind: 'ok', instances: all.filter((j) => j.name === jobName) };
}
