import { createLogger, type Logger } from '@echobase/infra/logger';

/** One pino line, parsed. */
export type LogLine = Record<string, unknown> & { msg: string; level: number };

/** A logger whose every line (debug and up) is kept, parsed, in `lines`. */
export function captureLogger(name = 'test'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({
    name,
    level: 'debug',
    destination: { write: (s: string) => lines.push(JSON.parse(s) as LogLine) },
  });
  return { logger, lines };
}

/** A writable stream that keeps what is written to it, for testing what a command prints. */
export function textCollector(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = {
    write(chunk: string) {
      text += chunk;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { stream, text: () => text };
}
