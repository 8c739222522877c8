import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderIdFor } from '../src/orders/orders.service.js';
import {
  Client,
  eventually,
  type Harness,
  type Json,
  startApi,
  startProcessor,
  stopChild,
} from './support.js';

/**
 * The whole order path on real components: API → SQS (moto) → the order processor (a child
 * process) → MariaDB.
 */
let api: Harness;
let processor: ChildProcess;
const PROCESSOR_HEALTH = 3293;

beforeAll(async () => {
  api = await startApi();
  processor = await startProcessor(api.queues.queueUrl, PROCESSOR_HEALTH);
});
afterAll(async () => {
  if (processor) await stopChild(processor);
  await api?.close();
});

async function rowsFor(orderId: string): Promise<{ status: string; total: string }[]> {
  const [rows] = await api.pool.query('SELECT status, total FROM orders WHERE id = ?', [orderId]);
  return rows as { status: string; total: string }[];
}

async function completed(client: Client, orderId: string): Promise<Json> {
  return eventually(`order ${orderId} to complete`, async () => {
    const reply = await client.request('GET', `/api/v1/orders/${orderId}`);
    return reply.status === 200 && reply.body.status === 'completed' ? reply.body : undefined;
  });
}

describe('orders', () => {
  it('register → login → products → order → completed with the server-computed total', async () => {
    const alice = new Client(api.url);
    const user = await alice.registerNew('alice');
    const session = new Client(api.url);
    await session.fetchCsrf();
    expect(
      (
        await session.request('POST', '/api/v1/auth/login', {
          json: { email: user.email, password: user.password },
        })
      ).status,
    ).toBe(200);

    const products = await session.request('GET', '/api/v1/products');
    const conduit = products.body.items.find((p: { sku: string }) => p.sku === 'PC-042');
    expect(conduit).toEqual({ id: 2, sku: 'PC-042', name: 'Plasma Conduit', price: '89.50' });

    const placed = await session.placeOrder(conduit.id, 3);
    expect(placed.status).toBe(202);
    expect(placed.body).toEqual({ orderId: expect.any(String), status: 'queued' });
    const requestId = placed.headers.get('x-request-id');

    // Visible to its owner at once, then completed by the processor.
    const early = await session.request('GET', `/api/v1/orders/${placed.body.orderId}`);
    expect(early.status).toBe(200);
    expect(['queued', 'completed']).toContain(early.body.status);
    const order = await completed(session, placed.body.orderId);
    expect(order).toMatchObject({
      productSku: 'PC-042',
      productName: 'Plasma Conduit',
      unitPrice: '89.50',
      quantity: 3,
      total: '268.50',
    });

    const [rows] = await api.pool.query('SELECT request_id AS r FROM orders WHERE id = ?', [
      placed.body.orderId,
    ]);
    expect((rows as { r: string }[])[0]?.r).toBe(requestId);

    const list = await session.request('GET', '/api/v1/orders');
    expect(list.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([
      placed.body.orderId,
    ]);
  });

  it("never shows one user another user's orders", async () => {
    const alice = new Client(api.url);
    await alice.registerNew('alice');
    const mallory = new Client(api.url);
    await mallory.registerNew('mallory');
    const placed = await alice.placeOrder(1, 1);
    await completed(alice, placed.body.orderId);

    const peek = await mallory.request('GET', `/api/v1/orders/${placed.body.orderId}`);
    expect(peek.status).toBe(404);
    const list = await mallory.request('GET', '/api/v1/orders');
    expect(list.body).toMatchObject({ items: [], total: 0 });
  });

  it('lists orders newest first, paginated', async () => {
    const client = new Client(api.url);
    await client.registerNew('pages');
    const ids: string[] = [];
    for (const productId of [1, 2, 3]) {
      const placed = await client.placeOrder(productId, 1);
      ids.push(placed.body.orderId);
      await completed(client, placed.body.orderId);
    }
    const first = await client.request('GET', '/api/v1/orders?pageSize=2');
    expect(first.body).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    expect(first.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([ids[2], ids[1]]);
    const second = await client.request('GET', '/api/v1/orders?page=2&pageSize=2');
    expect(second.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([ids[0]]);
  });

  it('the same Idempotency-Key sent 5 times at once makes exactly one order', async () => {
    const client = new Client(api.url);
    const user = await client.registerNew('idem');
    const key = randomUUID();
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => client.placeOrder(4, 2, key)),
    );
    const ids = new Set(replies.map((r) => r.body.orderId));
    expect(replies.every((r) => r.status === 202 || r.status === 200)).toBe(true);
    expect([...ids]).toEqual([orderIdFor(user.id, key)]);
    await completed(client, [...ids][0] as string);
    expect(await rowsFor([...ids][0] as string)).toEqual([
      { status: 'completed', total: '350.50' },
    ]);

    // Later retries replay the order; the same key for a different order is refused.
    const replay = await client.placeOrder(4, 2, key);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual({ orderId: orderIdFor(user.id, key), status: 'completed' });
    const reused = await client.placeOrder(4, 3, key);
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('conflict');
    expect(await rowsFor([...ids][0] as string)).toHaveLength(1);
  });
});

const CLI = fileURLToPath(new URL('../../../packages/ops/dist/cli.js', import.meta.url));
const run = promisify(execFile);

describe('a database outage', () => {
  it('still accepts orders, and every one lands exactly once when the database is back', async () => {
    const client = new Client(api.url);
    await client.registerNew('outage');
    const status = JSON.parse(
      (await run('node', [CLI, 'durable', 'status', 'ci', '--json'])).stdout,
    );
    const mariadbPid = status.services.find((s: { service: string }) => s.service === 'mariadb')
      .pid as number;
    process.kill(mariadbPid, 'SIGTERM');
    try {
      // Gone for good, not merely shutting down: setup must find it stopped, not running.
      await eventually('MariaDB to exit', async () => {
        const now = JSON.parse(
          (await run('node', [CLI, 'durable', 'status', 'ci', '--json'])).stdout,
        );
        return (
          now.services.find((s: { service: string }) => s.service === 'mariadb').state === 'stopped'
        );
      });
      let last = 0;
      await eventually('GET /orders to answer 503 while MariaDB is down', async () => {
        const reply = await client.request('GET', '/api/v1/orders');
        last = reply.status;
        return reply.status === 503 ? reply : undefined;
      }).catch((error: Error) => {
        throw new Error(`${error.message} (last answer: ${last})`);
      });
      const during = await Promise.all(
        [1, 2, 3, 4, 5].map((productId) => client.placeOrder(productId, 1)),
      );
      expect(during.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
      const ready = await fetch(`http://127.0.0.1:${PROCESSOR_HEALTH}/health/ready`);
      expect(ready.status).toBe(503);

      await run('node', [CLI, 'durable', 'setup', 'ci']);
      for (const reply of during) {
        const orderId = reply.body.orderId as string;
        await completed(client, orderId);
        expect(await rowsFor(orderId)).toHaveLength(1);
      }
      const list = await client.request('GET', '/api/v1/orders');
      expect(list.body.total).toBe(5);
    } finally {
      await run('node', [CLI, 'durable', 'setup', 'ci']);
    }
  });
});
