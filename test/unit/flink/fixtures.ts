/** Real-shaped Flink REST bodies from test/fixtures/flink/<version>/ (read relative to the repository root). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const VERSIONS = ['1.20', '2.x'] as const;
export type FixtureVersion = (typeof VERSIONS)[number];

/** The text of one fixture body. */
export function fixture(version: FixtureVersion, name: string): string {
  return readFileSync(join('test', 'fixtures', 'flink', version, `${name}.json`), 'utf8');
}
