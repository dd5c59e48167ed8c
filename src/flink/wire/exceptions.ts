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
    return {
      exceptionClass: entry.exceptionName ?? classOfTrace(trace),
      message: firstLines(trace),
      failureLabels: bounded(entry.failureLabels),
      at: entry.timestamp ?? undefined,
    };
  }
  const trace = body['root-exception'];
  if (trace === null || trace === undefined || trace === '') return undefined;
  return {
    exceptionClass: classOfTrace(trace),
    message: firstLines(trace),
    failureLabels: {},
    at: body.timestamp ?? undefined,
  };
}
