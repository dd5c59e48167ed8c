/**
 * `GET /jobs/:jobid/checkpoints` and `/checkpoints/config`. Both answer 404 for a job without checkpointing
 * ("Checkpointing has not been enabled."). A checkpoint kept only in JobManager memory reports the external
 * path `<checkpoint-not-externalized>`, which is no restore point.
 */
import { z } from 'zod';
import type { CheckpointConfig, CheckpointStats, CompletedCheckpoint } from '../types.js';

const NOT_EXTERNALIZED = '<checkpoint-not-externalized>';

const completedSchema = z.looseObject({
  id: z.number(),
  latest_ack_timestamp: z.number().optional(),
  trigger_timestamp: z.number().optional(),
  end_to_end_duration: z.number().optional(),
  checkpointed_size: z.number().optional(),
  state_size: z.number().optional(),
  external_path: z.string().nullish(),
});

export const checkpointStatsSchema = z.looseObject({
  counts: z.looseObject({
    completed: z.number(),
    failed: z.number(),
    in_progress: z.number(),
  }),
  latest: z
    .looseObject({
      completed: completedSchema.nullish(),
      savepoint: completedSchema.nullish(),
    })
    .nullish(),
});

function toCompleted(cp: z.output<typeof completedSchema> | null | undefined): CompletedCheckpoint | undefined {
  if (cp === null || cp === undefined) return undefined;
  const path = cp.external_path;
  return {
    id: cp.id,
    externalPath: path === null || path === undefined || path === '' || path === NOT_EXTERNALIZED ? undefined : path,
    completedAt: cp.latest_ack_timestamp ?? cp.trigger_timestamp ?? 0,
    durationMs: cp.end_to_end_duration ?? 0,
    // Flink's own lastCheckpointSize is the checkpointed (incremental) size; state_size is the full size.
    sizeBytes: cp.checkpointed_size ?? cp.state_size ?? 0,
  };
}

/** Maps the wire body to version-neutral statistics. */
export function toCheckpointStats(body: z.output<typeof checkpointStatsSchema>): CheckpointStats {
  return {
    completed: body.counts.completed,
    failed: body.counts.failed,
    inProgress: body.counts.in_progress,
    latestCompleted: toCompleted(body.latest?.completed),
    latestSavepoint: toCompleted(body.latest?.savepoint),
  };
}

export const checkpointConfigSchema = z.looseObject({
  externalization: z
    .looseObject({ enabled: z.boolean(), delete_on_cancellation: z.boolean() })
    .optional(),
});

/** Maps the wire body; a config without `externalization` means nothing is retained. */
export function toCheckpointConfig(body: z.output<typeof checkpointConfigSchema>): CheckpointConfig {
  return {
    externalized: body.externalization?.enabled ?? false,
    deleteOnCancellation: body.externalization?.delete_on_cancellation ?? true,
  };
}

/** True when a 404 body says the job does not checkpoint (as opposed to an unknown job). */
export function isCheckpointingDisabled(errors: readonly string[]): boolean {
  return errors.some((e) => /checkpointing (has not been|is not) enabled/i.test(e));
}
