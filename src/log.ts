/** The pino logger factory: JSON lines, or pretty output when stdout is a terminal. */
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Builds the service logger. `pretty` defaults to whether stdout is a TTY. */
export function createLogger(
  level: LogLevel,
  options: { pretty?: boolean; destination?: NodeJS.WritableStream } = {},
): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty && options.destination === undefined) {
    return pino({
      level,
      base: { service: 'flink-guardian' },
      transport: { target: 'pino-pretty', options: { colorize: true } },
    });
  }
  return pino(
    { level, base: { service: 'flink-guardian' }, timestamp: pino.stdTimeFunctions.isoTime },
    options.destination ?? process.stdout,
  );
}

/** A logger that drops everything; for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
