/** Regenerates config.schema.json from the zod schema: `npm run schema`. */
import { writeFile } from 'node:fs/promises';
import { configJsonSchema } from '../src/config/json-schema.js';

await writeFile('config.schema.json', `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stdout.write('wrote config.schema.json\n');
