/**
 * `GET /jobs/overview`. The real body differs from Flink's OpenAPI spec: hyphenated keys (`start-time`, `end-time`,
 * `last-modification`), -1 for an instance that has not ended; 2.0 adds `pending-operators`.
 */
import { z } from 'zod';
import { ReusedList } from '../../reused-list.js';
import { JOB_STATES } from '../job-state.js';
import type { JobOverview } from '../types.js';

const jobSchema = z.object({
  jid: z.string().min(1),
  name: z.string(),
  state: z.enum(JOB_STATES),
  'start-time': z.number(),
  'end-time': z.number().optional(),
  'last-modification': z.number().optional(),
});

type JobWire = z.output<typeof jobSchema>;

export const jobsOverviewSchema = z.object({ jobs: z.array(jobSchema) });

function toJobOverview(job: JobWire): JobOverview {
  const end = job['end-time'];
  return {
    jobId: job.jid,
    name: job.name,
    state: job.state,
    startTime: job['start-time'],
    endTime: end === undefined || end < 0 ? undefined : end,
    lastModification: job['last-modification'] ?? job['start-time'],
  };
}

/** Maps the wire body to version-neutral instances. */
export function toJobOverviews(body: z.output<typeof jobsOverviewSchema>): JobOverview[] {
  return body.jobs.map(toJobOverview);
}

/**
 * Whether the raw entry `raw` says exactly what `known` says. Every member the schema reads is compared with a
 * value that passed it, so an equal entry is valid without being validated again.
 */
function sameAsKnown(raw: Record<string, unknown>, known: JobOverview): boolean {
  const start = raw['start-time'];
  const end = raw['end-time'];
  const modified = raw['last-modification'];
  return (
    raw.name === known.name &&
    raw.state === known.state &&
    start === known.startTime &&
    (end === undefined || (typeof end === 'number' && end < 0) ? known.endTime === undefined : end === known.endTime) &&
    (modified === undefined ? start : modified) === known.lastModification
  );
}

/**
 * Instances from a parsed `/jobs/overview` body, reusing `known` ones (by JobID) whose entry did not change: in a
 * steady cluster nearly every entry is unchanged, and validating and copying thousands of them again at every
 * scrape would be most of what reading the list costs, in garbage the old generation has to collect. Only new
 * and changed entries go through the schema. `previous` is the list last returned: when every entry is the same
 * instance in the same place, it is returned itself. Not ok when the body does not match the schema; the caller
 * validates the whole body again for the error.
 */
export function reuseJobOverviews(
  json: unknown,
  known: ReadonlyMap<string, JobOverview>,
  previous: readonly JobOverview[] = [],
): { readonly ok: true; readonly jobs: readonly JobOverview[]; readonly reused: number } | { readonly ok: false } {
  if (typeof json !== 'object' || json === null) return { ok: false };
  const entries: unknown = (json as { jobs?: unknown }).jobs;
  if (!Array.isArray(entries)) return { ok: false };
  const jobs = new ReusedList(previous, entries.length);
  let reused = 0;
  for (let i = 0; i < entries.length; i += 1) {
    const raw: unknown = entries[i];
    let job: JobOverview | undefined;
    if (typeof raw === 'object' && raw !== null && typeof (raw as { jid?: unknown }).jid === 'string') {
      const before = known.get((raw as { jid: string }).jid);
      if (before !== undefined && sameAsKnown(raw as Record<string, unknown>, before)) {
        job = before;
        reused += 1;
      }
    }
    if (job === undefined) {
      const parsed = jobSchema.safeParse(raw);
      if (!parsed.success) return { ok: false };
      job = toJobOverview(parsed.data);
    }
    jobs.add(job);
  }
  return { ok: true, jobs: jobs.list, reused };
}
