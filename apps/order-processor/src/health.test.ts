import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyCounts } from './batch.js';
import { createHealthServer, type HealthDeps } from './health.js';
import type { ProcessorStatus } from './processor.js';

const totals = { ...emptyCounts(), republished: 0 };
const running: ProcessorStatus = { state: 'running', since: 'now', inFlight: 0, totals };

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(deps: Partial<HealthDeps>, ping?: HealthDeps['ping']) {
  const server = createHealthServer({
    status: () => running,
    checkDatabase: async () => undefined,
    identity: { service: 'order-processor', buildId: 'test' },
    ...deps,
    ...(ping ? { ping } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
  const { port } = server.address() as AddressInfo;
  return async (path: string, method = 'GET') => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
    return { status: res.status, body: await res.json() };
  };
}

describe('health server', () => {
  it('is live while the process runs, whatever the database does', async () => {
    const get = await serve({ checkDatabase: () => Promise.reject(new Error('down')) });
    expect(await get('/health/live')).toEqual({
      status: 200,
      body: { status: 'ok', service: 'order-processor', buildId: 'test' },
    });
  });

  it('is ready when polling and the database answers', async () => {
    const get = await serve({});
    expect(await get('/health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('answers 503 paused, with the reason, while paused for an outage', async () => {
    const get = await serve({
      status: () => ({
        ...running,
        state: 'paused',
        reason: 'database unavailable (ECONNREFUSED)',
      }),
    });
    expect(await get('/health/ready')).toMatchObject({
      status: 503,
      body: { status: 'paused', reason: 'database unavailable (ECONNREFUSED)' },
    });
  });

  it('answers 503 when the database stops answering, naming only the error code', async () => {
    const get = await serve({
      checkDatabase: () =>
        Promise.reject(
          Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:3306'), { code: 'ECONNREFUSED' }),
        ),
    });
    const res = await get('/health/ready');
    expect(res).toEqual({
      status: 503,
      body: {
        status: 'unavailable',
        reason: 'database not answering (ECONNREFUSED)',
        service: 'order-processor',
        buildId: 'test',
      },
    });
  });

  it.each(['idle', 'stopping', 'stopped'] as const)('answers 503 while %s', async (state) => {
    const get = await serve({ status: () => ({ ...running, state }) });
    expect(await get('/health/ready')).toMatchObject({ status: 503, body: { status: state } });
  });

  it('answers JSON 404 elsewhere and 405 for other methods', async () => {
    const get = await serve({});
    expect(await get('/health')).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'no such endpoint' } },
    });
    expect((await get('/health/ready', 'POST')).status).toBe(405);
  });

  it('pings the database once for 50 simultaneous hits, and not again for a while', async () => {
    let pings = 0;
    // Ages far beyond the test's length: only the coalescing is measured, never the clock (a
    // loaded machine can take more than the default 1 s over these 60 requests).
    const get = await serve(
      {
        checkDatabase: async () => {
          pings += 1;
        },
      },
      { refreshAfterMs: 60_000, maxAgeMs: 60_000 },
    );
    const replies = await Promise.all(Array.from({ length: 50 }, () => get('/health/ready')));
    expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
    for (let i = 0; i < 10; i++) expect((await get('/health/ready')).status).toBe(200);
    expect(pings).toBe(1);
  });

  it('keeps answering ready, at once, while a ping is slow', async () => {
    let release = (): void => undefined;
    let slow = false;
    let pings = 0;
    const get = await serve(
      {
        checkDatabase: () => {
          pings += 1;
          return slow ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
        },
      },
      { refreshAfterMs: 0 },
    );
    expect((await get('/health/ready')).status).toBe(200);
    slow = true;
    const during = await Promise.all(Array.from({ length: 20 }, () => get('/health/ready')));
    expect(during.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(pings).toBe(2); // one ping in flight, however many ask
    release();
  });

  it('checks a failed ping again before answering, so a recovery shows at once', async () => {
    let up = false;
    const get = await serve(
      {
        checkDatabase: () =>
          up
            ? Promise.resolve()
            : Promise.reject(Object.assign(new Error(), { code: 'ETIMEDOUT' })),
      },
      { refreshAfterMs: 0 },
    );
    expect((await get('/health/ready')).status).toBe(503);
    up = true;
    expect((await get('/health/ready')).status).toBe(200);
  });
});
