/**
 * `/jars`, `/jars/upload` and `/jars/:jarid/run`. The upload answer's `filename` is the stored path; its
 * basename (`<uuid>_<name>.jar`) is the jar id the run endpoint takes.
 */
import { z } from 'zod';
import type { JarInfo } from '../types.js';

export const jarListSchema = z.looseObject({
  files: z.array(
    z.looseObject({
      id: z.string().min(1),
      name: z.string(),
      uploaded: z.number().optional(),
    }),
  ),
});

/** Maps `GET /jars`. */
export function toJars(body: z.output<typeof jarListSchema>): JarInfo[] {
  return body.files.map((f) => ({ id: f.id, name: f.name, uploadedAt: f.uploaded ?? 0 }));
}

export const jarUploadSchema = z.looseObject({
  filename: z.string().min(1),
  status: z.literal('success'),
});

/** The jar id of an upload answer: the stored file's basename. */
export function jarIdOf(filename: string): string {
  return filename.split(/[\\/]/).pop() ?? filename;
}

export const jarRunSchema = z.looseObject({ jobid: z.string().regex(/^[0-9a-fA-F]{32}$/) });
