/**
 * `GET /jobs/:jobid/exceptions`: the newest root exception of an instance. 2.x answers only `exceptionHistory`
 * (entries newest first); 1.20 also has the deprecated `root-exception` (a stack trace) and `timestamp`, read
 * when the history is empty. Only the fields read are kept, each bounded: a stack trace can be megabytes.
 */
import { z } from 'zod';
import type { RootCause } from '../types.js';

/** Lines of the stack trace kept: the message and the frames nearest the throw. */
const MAX_LINES = 6;
const MAX_CHARS = 1_000;
const MAX_LABELS = 20;
const MAX_LABEL_CHARS = 200;

const entrySchema = z.object({
  exceptionName: z.string().nullish(),
  stacktrace: z.string().nullish(),
  timestamp: z.number().nullish(),
  failureLabels: z.record(z.string(), z.string()).nullish(),
});

export const jobExceptionsSchema = z.object({
  'root-exception': z.string().nullish(),
  timestamp: z.number().nullish(),
  exceptionHistory: z.object({ entries: z.array(entrySchema).nullish() }).nullish(),
});

/** The first lines of a stack trace, bounded in lines and characters. */
export function firstLines(trace: string): string {
  return trace.split('\n').slice(0, MAX_LINES).join('\n').slice(0, MAX_CHARS);
}

/**
 * The innermost cause of a Java stack trace: the section after its last top-level `Caused by:`, else the whole
 * trace. A job whose restart strategy gave up reports Flink's own wrapper ("Recovery is suppressed by …") as its
 * root exception; why the job died is at the end of the cause chain. `Caused by:` lines of suppressed exceptions
 * are indented, so they are not taken for the chain.
 */
export function innermostCause(trace: string): string {
  const marker = '\nCaused by: ';
  const at = trace.lastIndexOf(marker);
  return at < 0 ? trace : trace.slice(at + marker.length);
}

/** The exception class a trace starts with (`a.b.C: message` or `a.b.C`). */
export function classOfTrace(trace: string): string | undefined {
  const m = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)(?::|\s|$)/.exec(trace.trimStart());
  return m?.[1];
}

function bounded(labels: Readonly<Record<string, string>> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {}).slice(0, MAX_LABELS)) {
    out[k.slice(0, MAX_LABEL_CHARS)] = v.slice(0, MAX_LABEL_CHARS);
  }
  return out;
}

/** The newest root exception, or undefined when Flink recorded none. */
export function toRootCause(body: z.output<typeof jobExceptionsSchema>): RootCause | undefined {
  const entry = body.exceptionHistory?.entries?.[0];
  if (entry !== undefined) {
    const trace = entry.stacktrace ?? entry.exceptionName ?? '';
    const inner = innermostCause(trace);
    return {
      // exceptionName names the outermost exception: only a trace without a cause chain may take it.
      exceptionClass: inner === trace ? (entry.exceptionName ?? classOfTrace(trace)) : classOfTrace(inner),
      message: firstLines(inner),
      failureLabels: bounded(entry.failureLabels),
      at: entry.timestamp ?? undefined,
    };
  }
  const trace = body['root-exception'];
  if (trace === null || trace === undefined || trace === '') return undefined;
  const inner = innermostCause(trace);
  return {
    exceptionClass: classOfTrace(inner),
    message: firstLines(inner),
    failureLabels: {},
    at: body.timestamp ?? undefined,
  };
}
