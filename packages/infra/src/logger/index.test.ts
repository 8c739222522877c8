import { Writable } from 'node:stream';
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
