import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { textCollector } from '@echobase/test-kit/logs';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerDeployCommands } from './cli/deploy.js';
import { stackPaths } from './colour-stack.js';
import { copyLogLines, logFormat, logLineFormatter } from './log-format.js';

const pinoLine = JSON.stringify({
  level: 30,
  time: Date.UTC(2026, 0, 2, 3, 4, 5),
  pid: 4242,
  hostname: 'box',
  service: 'api-gateway',
  requestId: 'req-1',
  msg: 'order accepted',
});
const nginxLine =
  '2026/01/02 03:04:05 [error] 17#17: *3 connect() failed (111: Connection refused) while connecting to upstream';
const mariadbLine = '2026-01-02  3:04:05 0 [Note] mariadbd: ready for connections.';

const pretty = logLineFormatter('pretty', { colorize: false });

describe('log lines', () => {
  it('prints a pino line for people: level, message and fields on one line, no raw JSON', () => {
    const line = pretty(pinoLine);
    expect(line).toMatch(/^\[[^\]]+\] INFO: order accepted /);
    expect(line).toMatch(/"service":"api-gateway"/);
    expect(line).toMatch(/"requestId":"req-1"/);
    expect(line).not.toMatch(/"level":30|"hostname"|4242/);
    expect(line).not.toMatch(/\n/);
  });

  it('passes lines that are not pino logs through unchanged', () => {
    for (const line of [nginxLine, mariadbLine, '', '   ', '{not json', '[1,2]', '{"a":1}'])
      expect(pretty(line)).toBe(line);
  });

  it('keeps the service prefix of docker compose logs and prettifies what follows it', () => {
    expect(pretty(`api-gateway-1  | ${pinoLine}`)).toMatch(
      /^api-gateway-1 {2}\| \[[^\]]+\] INFO: order accepted /,
    );
    expect(pretty(`nginx-1  | ${nginxLine}`)).toBe(`nginx-1  | ${nginxLine}`);
  });

  it('leaves every line raw in the json format', () => {
    const raw = logLineFormatter('json');
    for (const line of [pinoLine, nginxLine, `api-gateway-1  | ${pinoLine}`])
      expect(raw(line)).toBe(line);
  });

  it('drops the erase-line sequence docker compose puts before every line, in both formats', () => {
    expect(logLineFormatter('json')(`\x1b[2K${pinoLine}`)).toBe(pinoLine);
    expect(pretty(`\x1b[2Kapi-gateway-1  | ${pinoLine}`)).toMatch(/^api-gateway-1 {2}\| \[/);
  });

  it('is pretty on a terminal, raw when piped, and raw on a terminal with --json', () => {
    const terminal = { isTTY: true } as unknown as NodeJS.WritableStream;
    const pipe = {} as NodeJS.WritableStream;
    expect(logFormat({ json: false }, terminal)).toBe('pretty');
    expect(logFormat({ json: true }, terminal)).toBe('json');
    expect(logFormat({ json: false }, pipe)).toBe('json');
  });

  it('copies a stream line by line, formatted', async () => {
    const out = textCollector();
    await copyLogLines(Readable.from([`${pinoLine}\n${nginxLine}\n`, mariadbLine]), out.stream, {
      format: 'pretty',
      colorize: false,
    });
    const lines = out.text().split('\n');
    expect(lines[0]).toMatch(/INFO: order accepted/);
    expect(lines.slice(1)).toEqual([nginxLine, mariadbLine, '']);

    const raw = textCollector();
    await copyLogLines(Readable.from([`${pinoLine}\n${nginxLine}\n`]), raw.stream, {
      format: 'json',
    });
    expect(raw.text()).toBe(`${pinoLine}\n${nginxLine}\n`);
  });
});

describe('echobase logs', () => {
  let root = '';
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(root, { recursive: true, force: true });
  });

  async function logs(args: string[], isTTY: boolean): Promise<string> {
    const out = textCollector();
    Object.assign(out.stream, { isTTY });
    const program = new Command('echobase').exitOverride();
    registerDeployCommands(program, out.stream, textCollector().stream);
    await program.parseAsync(['logs', ...args], { from: 'user' });
    return out.text();
  }

  it("prints a colour's log pretty on a terminal, raw with --json or when piped", async () => {
    // A checkout of its own, in the native runtime: nothing on this machine is read.
    root = await mkdtemp(join(tmpdir(), 'echobase-logs-'));
    vi.stubEnv('ECHOBASE_ROOT', root);
    vi.stubEnv('ECHOBASE_RUNTIME', 'native');
    const file = stackPaths('ci', 'blue', root).log('api');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${pinoLine}\nnot json at all\n`);

    const onTerminal = await logs(['blue', 'api', '--env', 'ci'], true);
    expect(onTerminal).toMatch(/INFO: order accepted/);
    expect(onTerminal).not.toContain(pinoLine);
    expect(onTerminal).toMatch(/^not json at all$/m);

    // Raw: the lines as written, nothing around them, so `| jq` reads them.
    expect(await logs(['blue', 'api', '--env', 'ci', '--json'], true)).toBe(
      `${pinoLine}\nnot json at all\n`,
    );
    expect(await logs(['blue', 'api', '--env', 'ci'], false)).toBe(
      `${pinoLine}\nnot json at all\n`,
    );
    // Several files on a terminal: each headed by its name.
    const processorLog = stackPaths('ci', 'blue', root).log('processor');
    await writeFile(processorLog, `${pinoLine}\n`);
    const both = await logs(['blue', '--env', 'ci'], true);
    expect(both).toContain(`==> ${file} <==\n`);
    expect(both).toContain(`==> ${processorLog} <==\n`);
  });
});
