/** Golden files: compare with test/unit/exporter/golden/<name>.prom, or rewrite them with UPDATE_GOLDEN=1. */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join('test', 'unit', 'exporter', 'golden');

/** Asserts `actual` equals the golden file `name`.prom (read relative to the repository root). */
export function assertGolden(name: string, actual: string): void {
  const file = join(DIR, `${name}.prom`);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    assert.fail(`golden file ${file} is missing: run the tests with UPDATE_GOLDEN=1 to create it`);
  }
  assert.equal(actual, expected, `${file} differs (UPDATE_GOLDEN=1 rewrites it after a deliberate change)`);
}
