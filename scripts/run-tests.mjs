#!/usr/bin/env node
// Runs the compiled test suites with node's test runner and ends with one summary line that CI reads:
// "tests: N passed, N failed, N skipped". Usage: node scripts/run-tests.mjs unit integration rules e2e
// Unit, integration and rules suites run files in parallel; e2e and packaging run one file at a time (JVMs,
// containers).
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const suites = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (entry.endsWith('.test.js') && (only === undefined || path.includes(only))) out.push(path);
  }
  return out.sort();
}

let passed = 0;
let failed = 0;
let skipped = 0;

for (const suite of suites) {
  const files = testFiles(join('dist', 'test', suite));
  if (files.length === 0) continue;
  process.stdout.write(`\n== ${suite}: ${files.length} file(s)\n`);
  const heavy = suite === 'e2e' || suite === 'packaging';
  const stream = run({ files, concurrency: heavy ? 1 : 2, timeout: heavy ? 30 * 60_000 : 120_000 });
  stream.on('test:pass', (event) => {
    if (event.details?.type === 'suite') return;
    if (event.skip || event.todo) skipped += 1;
    else passed += 1;
  });
  stream.on('test:fail', (event) => {
    if (event.details?.type === 'suite' && event.details?.error?.failureType === 'subtestsFailed') return;
    failed += 1;
  });
  await new Promise((resolve, reject) => {
    stream
      .compose(spec)
      .on('data', (chunk) => process.stdout.write(chunk))
      .on('end', resolve)
      .on('error', reject);
  });
}

process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
