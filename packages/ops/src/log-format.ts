import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { isColorSupported, prettyFactory } from 'pino-pretty';

/** pretty: the apps' pino lines as people read them; json: every line as it was written. */
export type LogFormat = 'pretty' | 'json';

/**
 * Pretty on a terminal; raw when piped or redirected (as git and ls change their output), so
 * `echobase logs … | jq` gets the JSON the apps wrote. `--json` asks for raw on a terminal too.
 */
export function logFormat(opts: { json: boolean }, out: NodeJS.WritableStream): LogFormat {
  return !opts.json && (out as { isTTY?: boolean }).isTTY === true ? 'pretty' : 'json';
}

/** `docker compose logs` puts `<service>-1  | ` before each line. */
const COMPOSE_PREFIX = /^(\S+ +\| )(.*)$/;

/** A pino record, or null for anything else (nginx's and MariaDB's lines, plain text). */
function pinoRecord(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && 'level' in value && 'time' in value
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * `docker compose logs` (v2.26) starts every line with an erase-line sequence (ESC [2K), piped
 * or not: not part of what the app wrote, and it breaks `| jq`.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequence is the point
const ERASE_LINE = /^(?:\x1b\[[0-9;]*K)+/;

/** One log line (without its newline) as it is printed; lines that are not pino pass unchanged. */
export function logLineFormatter(
  format: LogFormat,
  options: { colorize?: boolean } = {},
): (line: string) => string {
  const raw = (line: string) => line.replace(ERASE_LINE, '');
  if (format === 'json') return raw;
  // One line per record, as `npm run dev` prints them; pid and hostname say nothing here.
  const pretty = prettyFactory({
    singleLine: true,
    translateTime: 'SYS:standard',
    ignore: 'pid,hostname',
    colorize: options.colorize ?? isColorSupported,
  });
  return (input) => {
    const line = raw(input);
    const prefixed = COMPOSE_PREFIX.exec(line);
    const [prefix, body] = prefixed ? [prefixed[1], prefixed[2] as string] : ['', line];
    const record = pinoRecord(body);
    return record ? `${prefix}${pretty(record).trimEnd()}` : line;
  };
}

/** Copies `input` to `out` line by line, formatted, until `input` ends. */
export async function copyLogLines(
  input: Readable,
  out: NodeJS.WritableStream,
  options: { format: LogFormat; colorize?: boolean; traceId?: string | undefined },
): Promise<void> {
  const format = logLineFormatter(options.format, options);
  const wanted = lineFilter(options.traceId);
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }))
    if (wanted(line)) out.write(`${format(line)}\n`);
}

/**
 * Every line when `traceId` is not given, else only the lines of that trace: the apps' JSON
 * lines carry it as `trace_id`, nginx's access lines as `trace=<id>`. A trace id is 32 random
 * hex digits, so finding it in the line is finding the field.
 */
export function lineFilter(traceId: string | undefined): (line: string) => boolean {
  return traceId === undefined ? () => true : (line) => line.includes(traceId);
}

/** A W3C trace id: 32 lowercase hex digits, not all zero. */
export function isTraceId(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value) && !/^0+$/.test(value);
}
