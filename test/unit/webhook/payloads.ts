/** Alertmanager webhook bodies for the tests. */

export function v4(alerts: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}:{cluster="prod", job_name="orders"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'flink-guardian',
    groupLabels: { cluster: 'prod', job_name: 'orders' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
    ...extra,
  };
}

export const firing = {
  status: 'firing',
  labels: {
    alertname: 'FlinkJobFailed',
    cluster: 'prod',
    job_name: 'orders',
    severity: 'critical',
    flink_recovery: 'auto',
  },
  annotations: { summary: 's' },
  startsAt: '2026-11-21T10:00:00.000Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus:9090/graph',
  fingerprint: 'c1a2b3d4e5f60718',
};
