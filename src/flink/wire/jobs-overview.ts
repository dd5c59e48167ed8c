/**
 * `GET /jobs/overview`. The real body differs from Flink's OpenAPI spec: hyphenated keys (`start-time`, `end-time`,
 * `last-modification`), -1 for an instance that has not ended; 2.0 adds `pending-operators`.
 */
import { z } from 'zod';
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

export const jobsOverviewSchema = z.object({ jobs: z.array(jobSchema) });

/** Maps the wire body to version-neutral instances. */
export function toJobOverviews(body: z.output<typeof jobsOverviewSchema>): JobOverview[] {
  return body.jobs.map((job) => {
    const end = job['end-time'];
    return {
      jobId: job.jid,
      name: job.name,
      state: job.state,
      startTime: job['start-time'],
      endTime: end === undefined || end < 0 ? undefined : end,
      lastModification: job['last-modification'] ?? job['start-time'],
    };
  });
}
