import { pino } from 'pino';

export type Logger = pino.Logger;
export type LogLevel = pino.LevelWithSilent;

export interface LoggerConfig {
  /** The service name, set on every line. */
  name: string;
  level?: LogLevel;
  /** Extra fields on every line, e.g. `{ colour: 'blue', buildId }`. */
  base?: Record<string, unknown>;
  /** Where lines go; stdout when omitted. */
  destination?: pino.DestinationStream;
}

/** Paths whose values never reach a log line, wherever a caller puts them. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'passwordHash',
  '*.passwordHash',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'signingKey',
  '*.signingKey',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export function createLogger(config: LoggerConfig): Logger {
  return pino(
    {
      name: config.name,
      level: config.level ?? 'info',
      base: { service: config.name, ...config.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    // Synchronous stdout unless told otherwise: a service that logs "stopped" and exits keeps
    // that line, and lines stay in order (pino's asynchronous default can reorder or drop the
    // last ones when a write is still in flight at process.exit).
    config.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
