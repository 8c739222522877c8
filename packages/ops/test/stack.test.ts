import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import type { StackStatus } from '../src/native/stack.js';
import { PORT_PLAN } from '../src/plan.js';
import { cli, expectCleanError, sql } from './support.js';

/**
 * A colour's stack on the native ci environment: built from this checkout into a release,
 * started as processes, serving orders end to end through its own queue, and stopped.
 */
const blue = PORT_PLAN.ci.colours.blue;

async function stackStatus(): Promise<StackStatus> {
  const result = await cli(['stack', 'status', 'blue', '--env', 'ci', '--json']);
  return JSON.parse(result.stdout) as StackStatus;
}

afterAll(async () => {
  await cli(['stack', 'down', 'blue', '--env', 'ci']);
});

describe('colour stacks (native, ci)', () => {
  it('builds a release once and reuses it while the checkout is unchanged', async () => {
    const first = await cli(['release', 'build']);
    expect(first.code, first.stderr).toBe(0);
    const again = await cli(['release', 'build']);
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr).toMatch(/already built/);
  });

  it('starts blue with every service ready, from the release', async () => {
    expect((await cli(['durable', 'setup', 'ci'])).code).toBe(0);
    const up = await cli(['stack', 'up', 'blue', '--env', 'ci']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/api ready/);
    const status = await stackStatus();
    expect(status.healthy).toBe(true);
    expect(status.services.map((s) => [s.service, s.state, s.port])).toEqual([
      ['api', 'running', blue.api],
      ['processor', 'running', blue.processorHealth],
      ['frontend', 'running', blue.frontend],
    ]);
    const health = await fetch(`http://127.0.0.1:${blue.api}/health/live`);
    expect(await health.json()).toMatchObject({ colour: 'blue', buildId: status.buildId });
    const page = await fetch(`http://127.0.0.1:${blue.frontend}/orders`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  });

  it("serves an order end to end through blue's API, queue and processor", async () => {
    const base = `http://127.0.0.1:${blue.api}/api/v1`;
    const jar: string[] = [];
    const cookie = () => jar.join('; ');
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair = ''] = c.split(';');
        const name = pair.split('=')[0];
        const i = jar.findIndex((x) => x.startsWith(`${name}=`));
        if (i >= 0) jar.splice(i, 1);
        jar.push(pair);
      }
    };
    const csrfRes = await fetch(`${base}/auth/csrf`);
    keep(csrfRes);
    const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
    const reg = await fetch(`${base}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken, cookie: cookie() },
      body: JSON.stringify({
        email: `stack-${randomUUID()}@example.com`,
        password: 'stack password 42',
      }),
    });
    keep(reg);
    const session = (await reg.json()) as { csrfToken: string };
    const placed = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-csrf-token': session.csrfToken,
        cookie: cookie(),
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ productId: 8, quantity: 2 }),
    });
    expect(placed.status).toBe(202);
    const { orderId } = (await placed.json()) as { orderId: string };
    const deadline = Date.now() + 20_000;
    let rows: { status: string; total: string }[] = [];
    while (Date.now() < deadline) {
      rows = await sql<{ status: string; total: string }>(
        'ci',
        'SELECT status, total FROM orders WHERE id = ?',
        [orderId],
      );
      if (rows[0]?.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows).toEqual([{ status: 'completed', total: '1999.98' }]);
  });

  it('leaves a running colour alone, and refuses to start another build over it', async () => {
    const before = (await stackStatus()).services.map((s) => s.pid);
    const again = await cli(['stack', 'up', 'blue', '--env', 'ci']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already running build/);
    expect((await stackStatus()).services.map((s) => s.pid)).toEqual(before);

    const other = await cli(['stack', 'up', 'blue', '--env', 'ci', '--build', 'no-such-build']);
    expect(other.code).toBe(2);
    expect(expectCleanError(other)).toMatch(/no release no-such-build/);
  });

  it('stops every service, and refuses a port held by something else with one line', async () => {
    const down = await cli(['stack', 'down', 'blue', '--env', 'ci']);
    expect(down.code).toBe(0);
    expect((await stackStatus()).services.every((s) => s.state === 'stopped')).toBe(true);

    const squatter: Server = createServer();
    await new Promise<void>((ok) => squatter.listen(blue.frontend, '127.0.0.1', ok));
    try {
      const up = await cli(['stack', 'up', 'blue', '--env', 'ci']);
      expect(up.code).toBe(1);
      expect(expectCleanError(up).split('\n').at(-1)).toBe(
        `echobase: port ${blue.frontend} (blue frontend of ci) is already in use by another process`,
      );
      expect((await stackStatus()).services.every((s) => s.state === 'stopped')).toBe(true);
    } finally {
      await new Promise((ok) => squatter.close(ok));
    }
  });

  it('rejects unknown colours and environments with exit 2', async () => {
    for (const args of [
      ['stack', 'up', 'purple'],
      ['stack', 'status', 'blue', '--env', 'prod'],
      ['stack', 'down', 'teal'],
    ]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(expectCleanError(result)).toMatch(/^echobase: unknown (colour|environment) '/);
    }
  });
});
