import { randomUUID } from 'node:crypto';
import { Client } from '@echobase/test-kit/http';
import { sampleOf } from '@echobase/test-kit/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startApi } from './support.js';

/**
 * GET /metrics as Prometheus scrapes it: every answered request counted and timed by its
 * declared route (never its URL), accepted orders counted, the process's own figures, and
 * every series labelled with the service, colour and build.
 */
let api: Harness;
let user: Client;

beforeAll(async () => {
  api = await startApi();
  user = new Client(api.url);
  await user.registerNew('metrics');
});
afterAll(() => api?.close());

async function scrape(): Promise<string> {
  const res = await fetch(`${api.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe('API metrics', () => {
  it('counts requests per declared route and status, and accepted orders, labelled with the colour', async () => {
    const key = randomUUID();
    const placed = await user.placeOrder(1, 1, key);
    expect(placed.status).toBe(202);
    expect((await user.placeOrder(1, 1, key)).status).toBe(200);
    const { orderId } = placed.body;
    expect((await user.request('GET', `/api/v1/orders/${orderId}`)).status).toBe(200);
    // Refused by validation inside the orders router: still its declared route.
    expect((await user.request('GET', '/api/v1/orders/not-a-uuid')).status).toBe(400);
    expect((await user.request('GET', `/api/v1/nope/${randomUUID()}`)).status).toBe(404);

    const text = await scrape();
    const id = { service: 'api-gateway', colour: 'blue', build: 'test' };
    const requests = (labels: Record<string, string>) =>
      sampleOf(text, 'http_requests_total', { ...id, ...labels });
    expect(requests({ method: 'POST', route: '/api/v1/orders', status: '202' })).toBe(1);
    expect(requests({ method: 'POST', route: '/api/v1/orders', status: '200' })).toBe(1);
    expect(requests({ method: 'GET', route: '/api/v1/orders/:id', status: '200' })).toBe(1);
    expect(requests({ method: 'GET', route: '/api/v1/orders/:id', status: '400' })).toBe(1);
    expect(requests({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(
      sampleOf(text, 'http_request_duration_seconds_count', {
        ...id,
        method: 'POST',
        route: '/api/v1/orders',
        status: '202',
      }),
    ).toBe(1);
    expect(sampleOf(text, 'echobase_orders_accepted_total', { ...id, replayed: 'false' })).toBe(1);
    expect(sampleOf(text, 'echobase_orders_accepted_total', { ...id, replayed: 'true' })).toBe(1);
    // URLs never become labels: one series per route, whatever the ids.
    expect(text).not.toContain(orderId);
    expect(text).not.toContain('not-a-uuid');
    // Scrapes are not requests of the API: neither counted nor logged.
    expect(sampleOf(await scrape(), 'http_requests_total', { route: '/metrics' })).toBeUndefined();
    // The process's own figures.
    expect(sampleOf(text, 'process_resident_memory_bytes', id)).toBeGreaterThan(10_000_000);
  });
});
