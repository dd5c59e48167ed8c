/**
 * `POST /jars/:jarid/run` as the simulator answers it: Flink's strict request parsing (an unknown field is a
 * 400, 2.x dropped `programArgs`), duplicate JobIDs, restore paths that no longer exist, then a new instance.
 */
import type { JobState } from '../../../src/flink/job-state.js';
import { randomJobId, type Retention, type SimException, type SimModel } from './model.js';
import { errorBody, runFailureBody, type Dialect } from './wire.js';

export interface RunBehaviour {
  readonly startDelayMs?: number;
  readonly outcome?: 'running' | 'failed' | 'reject';
  readonly message?: string;
  readonly checkpointing?: false | { readonly retention?: Retention };
  /** With `outcome: 'failed'`: the root exception the instance dies of (a generic JobException when not given). */
  readonly cause?: Omit<SimException, 'timestamp'>;
  /** The instance restores from this instead of the path it was given (its state went elsewhere). */
  readonly restoredFrom?: string;
}

export interface RunAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly jobId?: string;
}

const FIELDS_1_20 = new Set([
  'allowNonRestoredState',
  'claimMode',
  'entryClass',
  'flinkConfiguration',
  'jobId',
  'parallelism',
  'programArgs',
  'programArgsList',
  'restoreMode',
  'savepointPath',
]);
const FIELDS_2_X = new Set([...FIELDS_1_20].filter((f) => f !== 'programArgs').concat('applicationId'));
const MODES = new Set(['CLAIM', 'NO_CLAIM', 'LEGACY']);

/** Flink's message for a body its strict object mapper cannot read. */
const BAD_FORMAT = errorBody('Request did not match expected format JarRunRequestBody.');

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/** Field by field what Jackson would refuse; undefined when the body is acceptable. */
function formatProblem(body: Record<string, unknown>, dialect: Dialect): boolean {
  const known = dialect === '2.x' ? FIELDS_2_X : FIELDS_1_20;
  for (const [key, value] of Object.entries(body)) {
    if (!known.has(key)) return true;
    if (value === null) continue;
    switch (key) {
      case 'jobId':
        if (typeof value !== 'string' || !/^[0-9a-fA-F]{32}$/.test(value)) return true;
        break;
      case 'parallelism':
        if (typeof value !== 'number' || !Number.isInteger(value)) return true;
        break;
      case 'allowNonRestoredState':
        if (typeof value !== 'boolean') return true;
        break;
      case 'claimMode':
      case 'restoreMode':
        if (typeof value !== 'string' || !MODES.has(value)) return true;
        break;
      case 'programArgsList':
        if (!isStringArray(value)) return true;
        break;
      case 'flinkConfiguration':
        if (typeof value !== 'object' || Array.isArray(value)) return true;
        break;
      default:
        if (typeof value !== 'string') return true;
    }
  }
  return false;
}

/** Handles one run request against the model. */
export function runJar(
  model: SimModel,
  dialect: Dialect,
  jarId: string,
  raw: unknown,
  query: URLSearchParams,
  behaviour: RunBehaviour,
): RunAnswer {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    return { status: 400, body: BAD_FORMAT };
  }
  const body = (raw ?? {}) as Record<string, unknown>;
  if (formatProblem(body, dialect)) return { status: 400, body: BAD_FORMAT };
  const jar = model.jars.get(jarId);
  if (jar === undefined) {
    return { status: 400, body: errorBody(`Jar file /tmp/flink-web-upload/${jarId} does not exist`) };
  }
  const entryClass = (body.entryClass as string | undefined) ?? query.get('entry-class') ?? undefined;
  const savepointPath = (body.savepointPath as string | undefined) ?? query.get('savepointPath') ?? undefined;
  const jobId = ((body.jobId as string | undefined) ?? randomJobId()).toLowerCase();
  const name = model.jobNameFor(jar, entryClass);
  if (behaviour.outcome === 'reject') {
    return {
      status: 400,
      body: runFailureBody(
        behaviour.message ??
          'org.apache.flink.client.program.ProgramInvocationException: The main method caused an error.',
      ),
    };
  }
  if (model.refusesJobId(jobId)) {
    return {
      status: 400,
      body: runFailureBody(
        'org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted.',
      ),
    };
  }
  if (savepointPath !== undefined && model.isDeleted(savepointPath)) {
    return {
      status: 400,
      body: runFailureBody(
        'java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory ' +
          `'${savepointPath}' on file system 'file'.`,
      ),
    };
  }
  const parallelism = typeof body.parallelism === 'number' ? body.parallelism : 1;
  const restoredFrom = savepointPath === undefined ? undefined : (behaviour.restoredFrom ?? savepointPath);
  model.addJob({
    name,
    jobId,
    state: 'INITIALIZING',
    parallelism,
    ...(behaviour.checkpointing === undefined ? {} : { checkpointing: behaviour.checkpointing }),
    ...(restoredFrom === undefined ? {} : { restoredFrom }),
  });
  const job = model.get(jobId);
  job.request = body;
  const target: JobState = behaviour.outcome === 'failed' ? 'FAILED' : 'RUNNING';
  model.schedule(job, model.now() + (behaviour.startDelayMs ?? 0), target, behaviour.cause);
  return { status: 200, body: { jobid: jobId }, jobId };
}
