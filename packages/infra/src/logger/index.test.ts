import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from './index.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON lines with the service name and the base fields', () => {
    const { lines, destination } = capture();
    createLogger({ name: 'api-gateway', base: { colour: 'blue' }, destination }).info(
      { requestId: 'r1' },
      'hello',
    );
    expect(lines[0]).toMatchObject({
      service: 'api-gateway',
      colour: 'blue',
      requestId: 'r1',
      msg: 'hello',
    });
    expect(typeof lines[0]?.time).toBe('string');
  });

  it('redacts passwords, tokens and cookies wherever a caller puts them', () => {
    const { lines, destination } = capture();
    createLogger({ name: 't', destination }).info(
      {
        password: 'p1',
        user: { password: 'p2' },
        req: { headers: { cookie: 'session=abc', host: 'x' } },
      },
      'login',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['p1', 'p2', 'session=abc']) expect(text).not.toContain(secret);
    expect(text).toContain('"host":"x"');
  });

  it('honours the level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 't', level: 'warn', destination });
    log.info('dropped');
    log.warn('kept');
    expect(lines.map((l) => l.msg)).toEqual(['kept']);
  });
});

describe('the default destination', () => {
  it('is stdout written synchronously', () => {
    const stream = (createLogger({ name: 't' }) as unknown as Record<symbol, unknown>)[
      pino.symbols.streamSym
    ] as { sync: boolean; fd: number };
    expect(stream.sync).toBe(true);
    expect(stream.fd).toBe(1);
  });

  it('keeps every line, in order, when the process exits right after logging', () => {
    const logger = new URL('./index.ts', import.meta.url).pathname;
    const script = `
      import { createLogger } from ${JSON.stringify(logger)};
      const log = createLogger({ name: 't' });
      for (let i = 0; i < 2000; i++) log.info({ i }, 'line');
      log.info('stopped');
      process.exit(0);
    `;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      },
    );
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i?: number; msg: string });
    expect(lines).toHaveLength(2001);
    expect(lines.slice(0, -1).map((l) => l.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(lines.at(-1)?.msg).toBe('stopped');
  });
});
