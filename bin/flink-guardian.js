#!/usr/bin/env node
// The package's command; the TypeScript is compiled to dist/ by `npm run build` (npm start does it first).
// Node runs with its own defaults: the service keeps its memory down by allocating little, not by heap flags.
// Node's documented flags still apply, e.g. `node --max-old-space-size=256 bin/flink-guardian.js serve …`.
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`flink-guardian: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
