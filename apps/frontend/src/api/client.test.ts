import { describe, expect, it, vi } from 'vitest';
import { fail, fakeServer, noSleep, ok, order, PRODUCTS } from '../test/fake-server';
import { ApiError, createApiClient, newIdempotencyKey, newTraceparent } from './client';

const CSRF = { 'GET /api/v1/auth/csrf': ok({ csrfToken: 'csrf-1' }) };
const ACCEPTED = { orderId: order().orderId, status: 'queued' };

function client(server: ReturnType<typeof fakeServer>) {
  return createApiClient({ fetch: server.fetch, sleep: noSleep });
}

describe('api client', () => {
  it('reads JSON same-origin, without a CSRF header on GET', async () => {
    const server = fakeServer({
      'GET /api/v1/products': ok({ items: PRODUCTS, page: 1, pageSize: 100, total: 2 }),
    });
    const products = await client(server).products();
    expect(products.map((p) => p.name)).toEqual(['Quantum Stabilizer', 'Plasma Conduit']);
    const [call] = server.calls;
    expect(call?.url).toBe('/api/v1/products?page=1&pageSize=100');
    expect(call?.credentials).toBe('same-origin');
    expect(call?.headers['x-csrf-token']).toBeUndefined();
  });

  it('fetches a CSRF token once and sends it on every POST', async () => {
    const server = fakeServer({
      ...CSRF,
      'POST /api/v1/orders': { status: 202, body: ACCEPTED },
    });
    const api = client(server);
    await api.placeOrder({ productId: 2, quantity: 1 }, 'key-aaaaaaaa');
    await api.placeOrder({ productId: 2, quantity: 2 }, 'key-bbbbbbbb');
    expect(server.callsTo('GET /api/v1/auth/csrf')).toHaveLength(1);
    const posts = server.callsTo('POST /api/v1/orders');
    expect(posts.map((c) => c.headers['x-csrf-token'])).toEqual(['csrf-1', 'csrf-1']);
    expect(posts[0]?.headers['content-type']).toBe('application/json');
    expect(posts[0]?.body).toEqual({ productId: 2, quantity: 1 });
  });

  it('uses the fresh CSRF token that login returns', async () => {
    const server = fakeServer({
      ...CSRF,
      'POST /api/v1/auth/login': ok({
        user: { id: 7, email: 'ada@example.com' },
        csrfToken: 'csrf-after-login',
      }),
      'POST /api/v1/orders': { status: 202, body: ACCEPTED },
    });
    const api = client(server);
    const user = await api.login('ada@example.com', 'correct horse 1');
    expect(user.email).toBe('ada@example.com');
    await api.placeOrder({ productId: 1, quantity: 1 }, 'key-cccccccc');
    expect(server.callsTo('POST /api/v1/auth/login')[0]?.headers['x-csrf-token']).toBe('csrf-1');
    expect(server.callsTo('POST /api/v1/orders')[0]?.headers['x-csrf-token']).toBe(
      'csrf-after-login',
    );
  });

  it('renews a refused CSRF token and sends the request once more', async () => {
    const server = fakeServer({
      'GET /api/v1/auth/csrf': [ok({ csrfToken: 'stale' }), ok({ csrfToken: 'fresh' })],
      'POST /api/v1/orders': [
        fail(403, 'csrf_failed', 'missing or invalid CSRF token'),
        { status: 202, body: ACCEPTED },
      ],
    });
    await client(server).placeOrder({ productId: 1, quantity: 1 }, 'key-dddddddd');
    const posts = server.callsTo('POST /api/v1/orders');
    expect(posts.map((c) => c.headers['x-csrf-token'])).toEqual(['stale', 'fresh']);
  });

  it('retries an order after a 503 and a lost answer with the same Idempotency-Key', async () => {
    const server = fakeServer({
      ...CSRF,
      'POST /api/v1/orders': [
        fail(503, 'unavailable', 'the order could not be queued', {
          headers: { 'retry-after': '1' },
        }),
        'network-error',
        { status: 200, body: ACCEPTED },
      ],
    });
    const sleep = vi.fn((_ms: number) => Promise.resolve());
    const api = createApiClient({ fetch: server.fetch, sleep });
    const accepted = await api.placeOrder({ productId: 2, quantity: 3 }, 'attempt-key-1');
    expect(accepted).toEqual({ orderId: ACCEPTED.orderId, status: 'queued', replayed: true });
    const keys = server.callsTo('POST /api/v1/orders').map((c) => c.headers['idempotency-key']);
    expect(keys).toEqual(['attempt-key-1', 'attempt-key-1', 'attempt-key-1']);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([1000, 1000]);
  });

  it('gives up after three tries and does not retry a refused order', async () => {
    const down = fakeServer({ ...CSRF, 'POST /api/v1/orders': 'network-error' });
    await expect(
      client(down).placeOrder({ productId: 1, quantity: 1 }, 'key-eeeeeeee'),
    ).rejects.toMatchObject({ code: 'network_error', status: 0 });
    expect(down.callsTo('POST /api/v1/orders')).toHaveLength(3);

    const refused = fakeServer({
      ...CSRF,
      'POST /api/v1/orders': fail(422, 'unprocessable', 'product 99 does not exist'),
    });
    await expect(
      client(refused).placeOrder({ productId: 99, quantity: 1 }, 'key-ffffffff'),
    ).rejects.toMatchObject({ code: 'unprocessable', status: 422 });
    expect(refused.callsTo('POST /api/v1/orders')).toHaveLength(1);
  });

  it('parses the error envelope into an ApiError', async () => {
    const server = fakeServer({
      ...CSRF,
      'POST /api/v1/auth/register': fail(
        400,
        'validation_failed',
        'the request body is not valid',
        {
          details: [{ field: 'password', message: 'must contain a digit' }],
        },
      ),
      'POST /api/v1/auth/login': fail(429, 'too_many_requests', 'too many failed logins', {
        headers: { 'retry-after': '30' },
      }),
    });
    const api = client(server);
    const error = await api.register('a@example.com', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: 'validation_failed',
      message: 'the request body is not valid',
      requestId: 'req-1234',
      details: [{ field: 'password', message: 'must contain a digit' }],
      retryAfter: null,
    });
    await expect(api.login('a@example.com', 'x')).rejects.toMatchObject({
      code: 'too_many_requests',
      retryAfter: 30,
    });
  });

  it('turns a proxy error page without an envelope into "unavailable"', async () => {
    const server = fakeServer({
      'GET /api/v1/orders': { status: 502, html: '<h1>502 Bad Gateway</h1>' },
    });
    await expect(client(server).orders(1, 10)).rejects.toMatchObject({
      code: 'unavailable',
      status: 502,
      requestId: null,
    });
  });

  it('reports a 401 as an expired session, but not from login or the start-up check', async () => {
    const server = fakeServer({
      ...CSRF,
      'GET /api/v1/auth/me': fail(401, 'unauthenticated', 'log in first'),
      'POST /api/v1/auth/login': fail(401, 'unauthenticated', 'wrong email or password'),
      'GET /api/v1/orders': fail(401, 'unauthenticated', 'your session has expired'),
    });
    const api = client(server);
    const expired = vi.fn();
    api.setSessionExpiredHandler(expired);

    expect(await api.me()).toBeNull();
    await expect(api.login('a@example.com', 'nope')).rejects.toMatchObject({ status: 401 });
    expect(expired).not.toHaveBeenCalled();

    await expect(api.orders(1, 10)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('keeps the colour and build of the latest answer and tells subscribers', async () => {
    const server = fakeServer({
      'GET /api/v1/auth/csrf': [
        ok({ csrfToken: 't' }, { 'x-echobase-colour': 'blue', 'x-echobase-build': 'b1' }),
        ok({ csrfToken: 't' }, { 'x-echobase-colour': 'green', 'x-echobase-build': 'g2' }),
      ],
    });
    const api = client(server);
    expect(api.servedBy()).toEqual({ colour: null, build: null });
    const listener = vi.fn();
    api.subscribeServedBy(listener);
    await api.start();
    expect(api.servedBy()).toEqual({ colour: 'blue', build: 'b1' });
    await api.start();
    expect(api.servedBy()).toEqual({ colour: 'green', build: 'g2' });
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('ignores answers that carry neither header', async () => {
    const server = fakeServer(
      {
        'GET /api/v1/orders': [
          ok({ items: [], page: 1, pageSize: 10, total: 0 }, { 'x-echobase-colour': 'blue' }),
          { status: 502, html: 'bad gateway' },
        ],
      },
      {},
    );
    const api = client(server);
    await api.orders(1, 10);
    await api.orders(1, 10).catch(() => undefined);
    expect(api.servedBy()).toEqual({ colour: 'blue', build: null });
  });
});

describe('newIdempotencyKey', () => {
  const API_PATTERN = /^[A-Za-z0-9_.:-]{8,128}$/;

  it('makes distinct keys the API accepts', () => {
    const a = newIdempotencyKey();
    const b = newIdempotencyKey();
    expect(a).toMatch(API_PATTERN);
    expect(a).not.toBe(b);
  });

  it('falls back to getRandomValues where randomUUID is missing (plain http)', () => {
    const own = Object.getOwnPropertyDescriptor(crypto, 'randomUUID');
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const key = newIdempotencyKey();
      expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      if (own) Object.defineProperty(crypto, 'randomUUID', own);
      else delete (crypto as { randomUUID?: unknown }).randomUUID;
    }
  });
});

describe('newTraceparent', () => {
  it('starts a sampled W3C trace per request, each its own', async () => {
    const server = fakeServer({
      'GET /api/v1/products': ok({ items: PRODUCTS, page: 1, pageSize: 100, total: 2 }),
    });
    const api = client(server);
    await api.products();
    await api.products();
    const sent = server.callsTo('GET /api/v1/products').map((c) => c.headers.traceparent);
    for (const header of sent) expect(header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(new Set(sent).size).toBe(2);
  });

  it('never sends an all-zero id', () => {
    expect(newTraceparent((bytes) => bytes)).toBe(`00-${'0'.repeat(31)}1-${'0'.repeat(15)}1-01`);
  });
});
