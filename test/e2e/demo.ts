/**
 * `npm run demo [-- --flink 1.20.5]`: the end-to-end stack for a person. A real Flink session cluster with the
 * sample (test) job, Prometheus with the project's rules, Alertmanager with the project's routes and
 * flink-guardian built from this tree; prints their URLs and one command that fails the job, then narrates
 * what happens (Flink job states, alerts, flink-guardian's decisions) until Ctrl-C, which tears it all down.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultFlinkVersions,
  jobsOverview,
  killAllManaged,
  sleep,
  waitForCheckpoint,
  waitForJobState,
} from './harness/index.js';
import { startStack, type GuardianLogLine, type Stack } from './stack.js';

const JOB = 'demo-orders';

function argValue(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = args[i] as string;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i + 1];
}

const clock = (t = Date.now()): string => new Date(t).toISOString().slice(11, 19);
const say = (who: string, text: string, t?: number): void => {
  process.stdout.write(`${clock(t)}  ${who.padEnd(14)} ${text}\n`);
};
const short = (id: unknown): string => String(id ?? '').slice(0, 8);

/** One human line per guardian log event worth telling; undefined for the rest. */
function describe(l: GuardianLogLine): string | undefined {
  const job = String(l.job_name ?? '');
  switch (true) {
    case l.msg === 'alertmanager notification accepted':
      return `webhook: Alertmanager delivered ${String(l.alerts)} alert(s), ${String(l.status)}`;
    case l.msg === 'recovery episode opened':
      return `${job}: episode opened (trigger ${String(l.trigger)}, failed instance ${short(l.failed_job_id)})`;
    case /^attempt \d+ starting$/.test(l.msg):
      return `${job}: attempt ${String(l.attempt)} from ${String(l.restore_from)} ${String(l.restore_point ?? '')}`;
    case /^attempt \d+ submitted$/.test(l.msg):
      return `${job}: attempt ${String(l.attempt)} submitted as ${short(l.job_id)}`;
    case l.msg === 'job RUNNING again':
      return `${job}: RUNNING again, ${Number(l.seconds_since_failure).toFixed(1)} s after the failure`;
    case /^attempt \d+ failed/.test(l.msg):
      return `${job}: ${l.msg}`;
    case /^recovery episode /.test(l.msg):
      return `${job}: ${l.msg} (${String(l.attempts)} attempt(s))`;
    case l.msg.startsWith('recovery skipped'):
      return `${job}: ${l.msg} (${String(l.alertname)})`;
    case l.level >= 40:
      return `${l.msg}`;
    default:
      return undefined;
  }
}

/** Reads what was appended to a file since `offset`. */
function readFrom(file: string, offset: number): { text: string; offset: number } {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return { text: '', offset };
  }
  if (size <= offset) return { text: '', offset };
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    const text = buf.toString('utf8');
    const complete = text.lastIndexOf('\n') + 1;
    return { text: text.slice(0, complete), offset: offset + Buffer.byteLength(text.slice(0, complete)) };
  } finally {
    closeSync(fd);
  }
}

async function narrate(stack: Stack, startOffset: number): Promise<never> {
  let offset = startOffset;
  const jobStates = new Map<string, string>();
  const alertStates = new Map<string, string>();
  for (;;) {
    try {
      for (const j of await jobsOverview(stack.flink.restUrl)) {
        if (jobStates.get(j.jid) !== j.state) {
          say(
            'flink',
            `${j.name} ${short(j.jid)} ${jobStates.has(j.jid) ? `${jobStates.get(j.jid)} -> ` : ''}${j.state}`,
          );
          jobStates.set(j.jid, j.state);
        }
      }
    } catch {
      // the JobManager may be restarting
    }
    try {
      const seen = new Set<string>();
      for (const a of await stack.alerts()) {
        const key = `${a.labels.alertname}{${a.labels.job_name ?? a.labels.cluster ?? ''}}`;
        seen.add(key);
        if (alertStates.get(key) !== a.state) say('prometheus', `${key} ${a.state}`);
        alertStates.set(key, a.state);
      }
      for (const key of [...alertStates.keys()]) {
        if (!seen.has(key)) {
          say('prometheus', `${key} resolved`);
          alertStates.delete(key);
        }
      }
    } catch {
      // Prometheus busy
    }
    const next = readFrom(stack.guardian.logFile, offset);
    offset = next.offset;
    for (const line of next.text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const l = JSON.parse(line) as GuardianLogLine;
        const text = describe(l);
        if (text !== undefined) say('flink-guardian', text, Date.parse(l.time));
      } catch {
        // not JSON
      }
    }
    await sleep(500);
  }
}

async function main(): Promise<void> {
  const versions = defaultFlinkVersions();
  const version = argValue('flink') ?? versions.find((v) => v.startsWith('2.')) ?? '2.3.0';
  const dir = join(tmpdir(), `flink-guardian-demo-${Date.now()}`);
  process.once('SIGINT', () => {
    process.stdout.write(
      `\nstopping: Flink, Prometheus, Alertmanager and flink-guardian are killed; logs stay in ${dir}\n`,
    );
  });
  process.stdout.write(
    `flink-guardian demo: Flink ${version}, Prometheus, Alertmanager and flink-guardian on 127.0.0.1\n`,
  );
  process.stdout.write(`run dir ${dir} (first run: Maven downloads Flink, 1-2 min)\n`);
  let jobId = '';
  const stack = await startStack({
    version,
    dir,
    jobs: [JOB],
    alertmanagers: 1,
    restartAttempts: 2,
    slots: 2,
    recovery: { maxAttempts: 3, cooldown: '5s', resetAfter: '30s', verifyTimeout: '1m' },
    onStep: (m) => process.stdout.write(`  ${m}\n`),
    // Deployed before flink-guardian starts: a catalog job Flink has never run would count as missing.
    beforeGuardian: async (deploy) => {
      jobId = await deploy.submit(JOB);
      await waitForJobState(deploy.flink.restUrl, jobId, ['RUNNING'], 90_000);
    },
  });
  const job = stack.job(JOB);
  await waitForCheckpoint(stack.flink.restUrl, jobId, 60_000);
  const tmp = `${job.failMarker}.tmp`;
  process.stdout.write(
    [
      '',
      `Flink UI and REST       ${stack.flink.restUrl}/#/overview`,
      `Prometheus              ${stack.prometheus.url}/alerts`,
      `Alertmanager            ${stack.alertmanagers.map((a) => a.url).join(' ')}`,
      `flink-guardian metrics  ${stack.guardian.url}/metrics`,
      `recoveries (API)        curl -H 'Authorization: Bearer ${stack.guardian.token}' ` +
        `${stack.guardian.url}/api/v1/recoveries`,
      '',
      `Job "${JOB}" (${jobId}) is RUNNING: a keyed counter, checkpointed every second, ` +
        `writing ${job.outDir}/state-0.json.`,
      'Flink restarts it twice by itself (fixed-delay, 2 attempts); the third failure ends it FAILED. Fail it 3 times:',
      '',
      `  echo 3 > ${tmp} && mv ${tmp} ${job.failMarker}`,
      '',
      `and watch it come back (FlinkJobFailed has for: ${stack.intervals.for}; ` +
        `scrape and evaluation every ${stack.intervals.scrape_interval}). Ctrl-C stops everything.`,
      '',
    ].join('\n'),
  );
  await narrate(stack, 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`);
  killAllManaged();
  process.exit(1);
});
