/**
 * `GET /jobs/:jobid/checkpoints` and `/checkpoints/config`. Both answer 404 for a job without checkpointing
 * ("Checkpointing has not been enabled."). A checkpoint kept only in JobManager memory reports the external
 * path `<checkpoint-not-externalized>`, which is no restore point.
 *
 * The schemas of bodies read on every scrape are plain `z.object`s: unknown keys (Flink adds some in every
 * release) are accepted and dropped, and only the fields we read are copied, a fifth of the work of a
 * `looseObject` that copies every key of every checkpoint.
 */
import { z } from 'zod';
import type { CheckpointConfig, CheckpointStats, CompletedCheckpoint, RestoredCheckpoint } from '../types.js';

const NOT_EXTERNALIZED = '<checkpoint-not-externalized>';

const completedSchema = z.object({
  id: z.number(),
  latest_ack_timestamp: z.number().optional(),
  trigger_timestamp: z.number().optional(),
  end_to_end_duration: z.number().optional(),
  checkpointed_size: z.number().optional(),
  state_size: z.number().optional(),
  external_path: z.string().nullish(),
});

export const checkpointStatsSchema = z.object({
  counts: z.object({
    completed: z.number(),
    failed: z.number(),
    in_progress: z.number(),
  }),
  latest: z
    .looseObject({
      completed: completedSchema.nullish(),
      savepoint: completedSchema.nullish(),
      restored: z
        .object({ id: z.number(), restore_timestamp: z.number().optional(), external_path: z.string().nullish() })
        .nullish(),
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

function toRestored(
  r:
    | { id: number; restore_timestamp?: number | undefined; external_path?: string | null | undefined }
    | null
    | undefined,
): RestoredCheckpoint | undefined {
  if (r === null || r === undefined) return undefined;
  const path = r.external_path;
  return {
    id: r.id,
    externalPath: path === null || path === undefined || path === '' || path === NOT_EXTERNALIZED ? undefined : path,
    restoredAt: r.restore_timestamp ?? 0,
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
    latestRestored: toRestored(body.latest?.restored),
  };
}

export const checkpointConfigSchema = z.object({
  externalization: z.looseObject({ enabled: z.boolean(), delete_on_cancellation: z.boolean() }).optional(),
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
