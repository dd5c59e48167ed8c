/** Alertmanager webhook bodies (payload version 4) as Alertmanager 0.27+ sends them to flink-guardian. */

export interface AlertSpec {
  readonly alertname: string;
  readonly job: string;
  readonly status?: 'firing' | 'resolved';
  readonly auto?: boolean;
  readonly severity?: string;
}

function fingerprint(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return (h.toString(16).padStart(8, '0') + h.toString(16).split('').reverse().join('').padStart(8, '0')).slice(0, 16);
}

/** One notification: the alerts of one group, with the labels and annotations the shipped rules give them. */
export function webhookBody(alerts: readonly AlertSpec[], cluster = 'bench'): string {
  const startsAt = '2025-06-01T03:12:45.123Z';
  const first = alerts[0];
  const anyFiring = alerts.some((a) => (a.status ?? 'firing') === 'firing');
  const body = {
    receiver: 'flink-guardian',
    status: anyFiring ? 'firing' : 'resolved',
    alerts: alerts.map((a) => {
      const labels: Record<string, string> = {
        alertname: a.alertname,
        cluster,
        job_name: a.job,
        severity: a.severity ?? 'critical',
        instance: 'flink-guardian:9813',
        job: 'flink-guardian',
      };
      if (a.auto ?? a.alertname === 'FlinkJobFailed') labels.flink_recovery = 'auto';
      const status = a.status ?? 'firing';
      return {
        status,
        labels,
        annotations: {
          summary: `Flink job ${a.job} on ${cluster}: ${a.alertname}`,
          description:
            `The current instance of ${a.job} on cluster ${cluster} is FAILED; ` +
            'flink-guardian resubmits it from its latest retained checkpoint.',
          runbook_url: 'https://github.com/example/flink-guardian/blob/main/docs/runbook.md#flinkjobfailed',
        },
        startsAt,
        endsAt: status === 'resolved' ? '2025-06-01T03:15:45.123Z' : '0001-01-01T00:00:00Z',
        generatorURL:
          'http://prometheus:9090/graph?g0.expr=flink_job_state%7Bstate%3D%22FAILED%22%7D+%3D%3D+1&g0.tab=1',
        fingerprint: fingerprint(`${a.alertname}/${a.job}`),
      };
    }),
    groupLabels: first === undefined ? {} : { alertname: first.alertname, cluster, job_name: first.job },
    commonLabels:
      first === undefined ? {} : { alertname: first.alertname, cluster, severity: first.severity ?? 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey:
      `{}/{flink_recovery="auto"}:{alertname="${first?.alertname ?? ''}", ` +
      `cluster="${cluster}", job_name="${first?.job ?? ''}"}`,
    truncatedAlerts: 0,
  };
  return JSON.stringify(body);
}
