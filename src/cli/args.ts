/** Command-line parsing: `serve` and `check-config`, with the flags that override the file. */
import { parseArgs } from 'node:util';
import type { LogLevel } from '../log.js';
import { errorMessage } from '../errors.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export type Command =
  | {
      readonly kind: 'serve';
      readonly config: string;
      readonly listen?: string;
      readonly logLevel?: LogLevel;
      readonly startEmpty: boolean;
      readonly webConfigFile?: string;
    }
  | { readonly kind: 'check-config'; readonly config: string; readonly webConfigFile?: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'help' };

export type ParsedArgs =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly error: string };

export const USAGE = `Usage:
  flink-guardian serve --config FILE [--listen HOST:PORT] [--log-level LEVEL] [--start-empty]
                       [--web.config.file FILE]
  flink-guardian check-config --config FILE [--web.config.file FILE]
  flink-guardian --version

  --start-empty       start with empty state when a state file is corrupt (it is moved aside, not overwritten)
  --web.config.file   TLS, client certificates and basic auth for every endpoint, in the format of
                      Prometheus exporters (exporter-toolkit)
`;

/** Parses argv (without node and the script) into a command, or an error to print with the usage. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        listen: { type: 'string' },
        'log-level': { type: 'string' },
        'start-empty': { type: 'boolean', default: false },
        'web.config.file': { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { ok: true, command: { kind: 'help' } };
  if (values.version === true) return { ok: true, command: { kind: 'version' } };
  const [verb, ...rest] = positionals;
  if (rest.length > 0) return { ok: false, error: `unexpected argument ${JSON.stringify(rest[0])}` };
  if (verb !== 'serve' && verb !== 'check-config') {
    return { ok: false, error: verb === undefined ? 'a command is needed' : `unknown command ${JSON.stringify(verb)}` };
  }
  if (values.config === undefined) return { ok: false, error: `${verb} needs --config FILE` };
  const webConfigFile = values['web.config.file'];
  const web = webConfigFile !== undefined ? { webConfigFile } : {};
  if (verb === 'check-config') return { ok: true, command: { kind: 'check-config', config: values.config, ...web } };
  const level = values['log-level'];
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level)) {
    return { ok: false, error: `--log-level must be one of ${LEVELS.join(', ')}` };
  }
  return {
    ok: true,
    command: {
      kind: 'serve',
      config: values.config,
      startEmpty: values['start-empty'] === true,
      ...web,
      ...(values.listen !== undefined ? { listen: values.listen } : {}),
      ...(level !== undefined ? { logLevel: level as LogLevel } : {}),
    },
  };
}
