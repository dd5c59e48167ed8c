/** The package version, read once from package.json at startup (for flink_guardian_build_info and --version). */
import { readFileSync } from 'node:fs';

/** Returns the version field of the package's package.json. */
export function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
