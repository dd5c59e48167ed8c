/** `${VAR}` and `${VAR:-default}` expansion of configuration strings from the environment. */

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type Environment = Readonly<Record<string, string | undefined>>;

/** Result of expanding one string: the text, and the names of variables that were unset with no default. */
export interface Expansion {
  readonly value: string;
  readonly missing: readonly string[];
}

/** Expands every reference in `text`; `$${` stays a literal `${`. */
export function expandString(text: string, env: Environment): Expansion {
  const missing: string[] = [];
  const escaped = text.split('$${');
  const value = escaped
    .map((piece) =>
      piece.replace(REFERENCE, (_all, name: string, fallback: string | undefined) => {
        const found = env[name];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        missing.push(name);
        return '';
      }),
    )
    .join('${');
  return { value, missing };
}
