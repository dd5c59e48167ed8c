/** The `flink-guardian` command. Exits 1 with one readable message (no stack trace) on bad input. */
import { systemClock } from '../clock.js';
import { readServeConfig, type ConfigOverrides } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ConfigError, errorMessage, formatConfigIssues, GuardianError } from '../errors.js';
import { createLogger } from '../log.js';
import { loadWebConfig, type WebConfig } from '../server/web-config.js';
import { packageVersion } from '../version.js';
import { buildService } from '../wiring.js';
import { parseCommandLine, USAGE, type Command } from './args.js';

/** The configuration, or undefined after printing its problems (ConfigError) to stderr. */
async function configOrReport(
  file: string,
  prefix: string,
  overrides: ConfigOverrides = {},
): Promise<Config | undefined> {
  try {
    return await readServeConfig(file, process.env, overrides);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${prefix}${err.message}\n`);
    return undefined;
  }
}

type WebLoad = { readonly ok: true; readonly web?: WebConfig } | { readonly ok: false; readonly message: string };

/** Loads `--web.config.file` when given; its TLS and the configuration file's `tls` cannot both be set. */
async function webConfig(file: string | undefined, configTls: boolean): Promise<WebLoad> {
  if (file === undefined) return { ok: true };
  const result = await loadWebConfig(file);
  if (!result.ok) return { ok: false, message: formatConfigIssues(file, result.issues) };
  if (result.web.tls !== undefined && configTls) {
    const issue = { path: 'tls_server_config', message: 'the configuration file sets tls as well: keep one of them' };
    return { ok: false, message: formatConfigIssues(file, [issue]) };
  }
  return { ok: true, web: result.web };
}

async function checkConfig(file: string, webConfigFile: string | undefined): Promise<number> {
  const config = await configOrReport(file, '');
  if (config === undefined) return 1;
  const web = await webConfig(webConfigFile, config.tls !== undefined);
  if (!web.ok) {
    process.stderr.write(`${web.message}\n`);
    return 1;
  }
  const { clusters, jobs } = config;
  process.stdout.write(
    `${file}: OK (${clusters.length} cluster${clusters.length === 1 ? '' : 's'}, ` +
      `${jobs.length} job${jobs.length === 1 ? '' : 's'})\n`,
  );
  return 0;
}

async function serve(command: Extract<Command, { kind: 'serve' }>): Promise<number> {
  const overrides: ConfigOverrides = {
    ...(command.listen !== undefined ? { listen: command.listen } : {}),
    ...(command.logLevel !== undefined ? { logLevel: command.logLevel } : {}),
  };
  const config = await configOrReport(
    command.config,
    'flink-guardian: refusing to start, the configuration is invalid.\n',
    overrides,
  );
  if (config === undefined) return 1;
  const web = await webConfig(command.webConfigFile, config.tls !== undefined);
  if (!web.ok) {
    process.stderr.write(`flink-guardian: refusing to start, the web configuration is invalid.\n${web.message}\n`);
    return 1;
  }
  const logger = createLogger(config.logLevel);
  let service;
  try {
    service = await buildService(config, {
      logger,
      clock: systemClock,
      version: packageVersion(),
      startEmpty: command.startEmpty,
      ...(web.web !== undefined ? { web: web.web } : {}),
    });
    await service.start();
  } catch (err) {
    // Whatever stops the start (a state file, a port in use, a TLS file changed since the check) is reported in
    // one line, not a stack trace.
    process.stderr.write(`flink-guardian: refusing to start: ${errorMessage(err)}\n`);
    if (err instanceof GuardianError && (err.code === 'STATE_CORRUPT' || err.code === 'STATE_UNREADABLE')) {
      process.stderr.write('Fix or remove the file, or start with --start-empty to begin with empty state.\n');
    }
    await service?.stop().catch(() => undefined);
    return 1;
  }
  const running = service;
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await running.stop();
  logger.info('stopped');
  logger.flush();
  return 0;
}

/** Runs the command line and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv);
  if (!parsed.ok) {
    process.stderr.write(`flink-guardian: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const { command } = parsed;
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version':
      process.stdout.write(`flink-guardian ${packageVersion()}\n`);
      return 0;
    case 'check-config':
      return checkConfig(command.config, command.webConfigFile);
    case 'serve':
      return serve(command);
  }
}
