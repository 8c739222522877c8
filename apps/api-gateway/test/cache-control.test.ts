import { randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { Client } from '@echobase/test-kit/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startApi } from './support.js';

/**
 * Answers that depend on the session are never stored by a browser or a shared cache (a
 * back button or a proxy must not show one user's orders to the next); the two public
 * documents may be kept if revalidated each time.
 */
let api: Harness;
let user: Client;
let orderId: string;

beforeAll(async () => {
  api = await startApi();
  user = new Client(api.url);
  await user.registerNew('cache-control');
  orderId = (await user.placeOrder(1, 1)).body.orderId;
});
afterAll(() => api?.close());

describe('Cache-Control', () => {
  it.each([
    ['GET', '/api/v1/auth/me', 200],
    ['GET', '/api/v1/auth/csrf', 200],
    ['GET', '/api/v1/orders', 200],
    ['GET', '/api/v1/orders/:id', 200],
    ['POST', '/api/v1/orders', 202],
    ['GET', '/api/v1/orders/7c9e6679-7425-40de-944b-e07fc1f90ae7', 404],
    ['GET', '/api/v1/nope', 404],
    ['GET', '/health/live', 200],
    ['GET', '/health/ready', 200],
  ])('%s %s (%i) is no-store', async (method, path, status) => {
    const reply =
      method === 'POST'
        ? await user.placeOrder(1, 1, randomUUID())
        : await user.request(method, path.replace(':id', orderId));
    expect(reply.status).toBe(status);
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('a refused sign-in is no-store', async () => {
    const anonymous = new Client(api.url);
    await anonymous.fetchCsrf();
    const reply = await anonymous.request('POST', '/api/v1/auth/login', {
      json: { email: `nobody-${randomUUID()}@example.com`, password: 'Secret-Password-999' },
    });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it.each(['/api/v1/products', '/api/v1/products?page=2&pageSize=5', '/api/v1/openapi.json'])(
    '%s may be kept, revalidated with its ETag',
    async (path) => {
      const first = await fetch(`${api.url}${path}`);
      expect(first.status).toBe(200);
      expect(first.headers.get('cache-control')).toBe('no-cache');
      const etag = first.headers.get('etag') ?? '';
      expect(etag).not.toBe('');
      // node:http, not fetch: fetch adds `Cache-Control: no-cache` to a conditional request.
      const again = await new Promise<number | undefined>((resolve, reject) => {
        get(`${api.url}${path}`, { headers: { 'if-none-match': etag } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        }).on('error', reject);
      });
      expect(again).toBe(304);
    },
  );
});
