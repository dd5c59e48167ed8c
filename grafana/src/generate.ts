/**
 * Writes grafana/dashboards/*.json from the dashboards' code (npm run dashboards). The rules suite checks that the
 * committed files are what this writes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DashboardSpec, render } from './build.js';
import { FLEET } from './fleet.js';
import { JOB } from './job.js';

/** File name under grafana/dashboards/ -> dashboard. */
export const DASHBOARDS: Readonly<Record<string, DashboardSpec>> = {
  'flink-fleet-overview.json': FLEET,
  'flink-job.json': JOB,
};

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  for (const [file, spec] of Object.entries(DASHBOARDS)) {
    writeFileSync(join('grafana', 'dashboards', file), render(spec));
    process.stdout.write(`wrote grafana/dashboards/${file}\n`);
  }
}
