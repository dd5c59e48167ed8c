/** Alertmanager webhook (v4) bodies for the tests: `v4` and `firing` built by hand, `payload` whole. */

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

/** An Alertmanager v4 body of FlinkJobFailed (or another alertname) for `orders`. */
export function payload(status: 'firing' | 'resolved' = 'firing', labels: Record<string, string> = {}): unknown {
  const alertLabels = {
    alertname: 'FlinkJobFailed',
    cluster: 'prod',
    job_name: 'orders',
    severity: 'critical',
    flink_recovery: 'auto',
    ...labels,
  };
  return {
    version: '4',
    groupKey: '{}:{cluster="prod", job_name="orders"}',
    truncatedAlerts: 0,
    status,
    receiver: 'flink-guardian',
    groupLabels: { cluster: 'prod', job_name: 'orders' },
    commonLabels: alertLabels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status,
        labels: alertLabels,
        annotations: {},
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: 'c1a2b3d4e5f60718',
      },
    ],
  };
}
