/** The generated sections of docs/reference.md, computed from the code. */
import { alertTable, configTable, metricTable, reasonsText, type Sections } from './render.js';
import { alertRules, closedSets, configSchema, metricGroups, precreatedSkipReasons } from './sources.js';

export const REFERENCE_FILE = 'docs/reference.md';

export async function referenceSections(): Promise<Sections> {
  const metrics = await metricGroups();
  return {
    'metrics-exporter': metricTable(metrics.exporter),
    'metrics-recoverer': metricTable(metrics.recoverer),
    'metrics-service': metricTable(metrics.service),
    alerts: alertTable(await alertRules()),
    configuration: configTable(configSchema()),
    reasons: reasonsText(await closedSets(), precreatedSkipReasons),
  };
}
