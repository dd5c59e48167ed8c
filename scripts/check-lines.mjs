#!/usr/bin/env node
// Biome wraps code at 120 columns but never splits a string or a comment: this catches those, so that every
// line a reader meets fits the width the formatter keeps.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LIMIT = 120;
const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '*.ts', '*.mjs', '*.js'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f !== '' && !f.startsWith('dist/') && !f.startsWith('grafana/dashboards/'));
const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the work tree
  }
  text.split('\n').forEach((line, i) => {
    // A shebang cannot be wrapped: the kernel reads only the first line.
    if (i === 0 && line.startsWith('#!')) return;
    if (line.length > LIMIT) long.push(`${file}:${i + 1}: ${line.length} characters`);
  });
}
if (long.length > 0) {
  process.stderr.write(`lines over ${LIMIT} characters:\n${long.join('\n')}\n`);
  process.exit(1);
}
