/** Reading why an instance died (the thin I/O half; the episode records it, the policy judges it). */
import type { FlinkApi } from '../../flink/api.js';
import type { Logger } from '../../log.js';
import type { EpisodeRootCause } from '../model/episode-schema.js';
import { errorMessage } from '../../errors.js';

/** The newest root exception of `jobId`, or undefined when Flink has none or cannot be asked (logged). */
export async function readRootCause(
  api: FlinkApi,
  jobId: string,
  logger: Logger,
): Promise<EpisodeRootCause | undefined> {
  if (api.jobExceptions === undefined) return undefined;
  try {
    const cause = await api.jobExceptions(jobId);
    if (cause === undefined) return undefined;
    return {
      ...(cause.exceptionClass === undefined ? {} : { exceptionClass: cause.exceptionClass }),
      message: cause.message,
      failureLabels: { ...cause.failureLabels },
      ...(cause.at === undefined ? {} : { at: cause.at }),
      jobId,
    };
  } catch (err) {
    logger.warn({ job_id: jobId, err: errorMessage(err) }, 'cannot read the root exception');
    return undefined;
  }
}
