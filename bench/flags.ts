/**
 * The benchmark's command-line flags, `--name` or `--name=value`. Numbers are checked: a typo is an error naming
 * the flag, not a silent 0 that skips a scenario.
 */

/** The value of `--name=value` (`''` for a bare `--name`), or undefined when the flag is absent. */
export function flagOf(argv: readonly string[], name: string): string | undefined {
  const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : '';
}

function count(name: string, text: string, min: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new Error(`--${name} must be a whole number of at least ${min}, not "${text}"`);
  }
  return n;
}

/** A whole number of at least `min` from `--name=N`, or `fallback` when the flag is absent. */
export function countFlag(argv: readonly string[], name: string, fallback: number, min = 0): number {
  const text = flagOf(argv, name);
  return text === undefined ? fallback : count(name, text, min);
}

/** Whole numbers of at least `min` from `--name=A,B,…`, or `fallback` when the flag is absent. */
export function countsFlag(argv: readonly string[], name: string, fallback: readonly number[], min = 1): number[] {
  const text = flagOf(argv, name);
  return text === undefined ? [...fallback] : text.split(',').map((part) => count(name, part, min));
}

/** One of `choices` from `--name=choice`, or undefined when the flag is absent. */
export function choiceFlag<T extends string>(
  argv: readonly string[],
  name: string,
  choices: readonly T[],
): T | undefined {
  const text = flagOf(argv, name);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw new Error(`--${name} must be one of ${choices.join(', ')}, not "${text}"`);
  }
  return text as T;
}
