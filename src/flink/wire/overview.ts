/** `GET /overview` (ClusterOverviewWithVersion): the same keys in 1.20 and 2.x; 2.x may add blocked counts. */
import { z } from 'zod';
import type { ClusterOverview } from '../types.js';

export const overviewSchema = z.looseObject({
  taskmanagers: z.number().int(),
  'slots-total': z.number().int(),
  'slots-available': z.number().int(),
  'flink-version': z.string(),
});

/** Maps the wire body to the version-neutral view. */
export function toClusterOverview(body: z.output<typeof overviewSchema>): ClusterOverview {
  return {
    flinkVersion: body['flink-version'],
    taskManagers: body.taskmanagers,
    slotsTotal: body['slots-total'],
    slotsAvailable: body['slots-available'],
  };
}
