/** The JSON Schema of the configuration file, generated from the zod schema so the two cannot drift. */
import { z } from 'zod';
import { configSchema } from './schema.js';

/** Returns the JSON Schema (draft 2020-12) describing what a configuration file may contain. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return {
    ...schema,
    $id: 'https://github.com/flink-guardian/flink-guardian/blob/main/config.schema.json',
    title: 'flink-guardian configuration',
  };
}
