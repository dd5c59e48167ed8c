#!/usr/bin/env -S node --max-old-space-size=384 --max-semi-space-size=4 --min-semi-space-size=4 --initial-old-space-size=40
// The package's command; the TypeScript is compiled to dist/ by `npm run build` (npm start does it first).
//
// The heap flags above are the service's memory budget, the way Flink's scripts set -Xmx. With Node's defaults
// V8 lets the old generation grow to a multiple of the live data and keeps a large young generation, so a big
// exporter peaks far above what it holds live (docs/operations.md, "Memory"; figures in docs/benchmarks.md).
// A capped old generation is collected after little growth. Two flags keep that from costing a small service a
// full collection every scrape or two: the initial old space lets a small heap grow that far first, and the
// semi-space is fixed (without the minimum, most runs promoted much more per scrape and were collected that
// often). The cap leaves ample room above the live heap of a 10,000-job exporter. To run with
// other settings, start node yourself: `node --max-old-space-size=1024 bin/flink-guardian.js serve …` (flags on
// this line win over NODE_OPTIONS).
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
