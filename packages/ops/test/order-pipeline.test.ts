import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { orderIdFor, type QueuePair } from '@echobase/infra/queue';
import { appPool, createDbProxy, type DbProxy } from '@echobase/test-kit/db';
import { Client, type Json, type Reply } from '@echobase/test-kit/http';
import { waitFor } from '@echobase/test-kit/poll';
import { type Started, spawnApi, spawnProcessor } from '@echobase/test-kit/process';
import { createQueues, deleteQueues, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The whole order path on the built apps, each its own process as a colour stack runs them:
 * API gateway → SQS (ElasticMQ) → order processor → MariaDB (the real ci durable layer).
 */
type Api = Started & { url: string };
type Processor = Started & { healthPort: number };

let sqs: SQSClient;
let pool: Pool;
let queues: QueuePair;
let api: Api;
let processor: Processor;

beforeAll(async () => {
  sqs = sqsClient();
  pool = await appPool();
  queues = await createQueues(sqs, { visibilityTimeoutSeconds: 5 });
  api = await spawnApi(queues.queueUrl);
  processor = await spawnProcessor(queues.queueUrl);
});
afterAll(async () => {
  await processor?.stop();
  await api?.stop();
  if (queues) await deleteQueues(sqs, queues);
  await pool?.end();
  sqs?.destroy();
});

async function rowsFor(orderId: string): Promise<{ status: string; total: string }[]> {
  const [rows] = await pool.query('SELECT status, total FROM orders WHERE id = ?', [orderId]);
  return rows as { status: string; total: string }[];
}

async function completed(client: Client, orderId: string): Promise<Json> {
  return waitFor(`order ${orderId} to complete`, async () => {
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

    const [rows] = await pool.query('SELECT request_id AS r FROM orders WHERE id = ?', [
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
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    expect(await rowsFor([...ids][0] as string)).toHaveLength(1);
  });

  it('one Idempotency-Key, two different orders at the same moment: one is accepted, the other refused', async () => {
    const client = new Client(api.url);
    const user = await client.registerNew('idem-race');
    for (let round = 0; round < 5; round += 1) {
      const key = randomUUID();
      const [a, b] = await Promise.all([
        client.placeOrder(2, 1, key),
        client.placeOrder(2, 7, key),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([202, 422]);
      const refused = a.status === 422 ? a : b;
      expect(refused.body.error).toMatchObject({
        code: 'idempotency_key_reused',
        message: 'this Idempotency-Key was already used for a different order',
      });
      const winner = a.status === 202 ? 1 : 7;
      const order = await completed(client, orderIdFor(user.id, key));
      expect(order).toMatchObject({ quantity: winner });
    }
  });
});

describe('a database that is down (for one API and its processor)', () => {
  let proxy: DbProxy;
  let proxiedQueues: QueuePair;
  let proxiedApi: Api;
  let proxiedProcessor: Processor;

  beforeAll(async () => {
    proxy = await createDbProxy();
    proxiedQueues = await createQueues(sqs, { visibilityTimeoutSeconds: 5 });
    const throughProxy = { DB_HOST: '127.0.0.1', DB_PORT: String(proxy.port) };
    proxiedApi = await spawnApi(proxiedQueues.queueUrl, throughProxy);
    proxiedProcessor = await spawnProcessor(proxiedQueues.queueUrl, throughProxy);
  });
  afterAll(async () => {
    await proxiedProcessor?.stop();
    await proxiedApi?.stop();
    if (proxiedQueues) await deleteQueues(sqs, proxiedQueues);
    await proxy?.close();
  });

  it('still accepts orders, and every one lands exactly once when the database is back', async () => {
    const client = new Client(proxiedApi.url);
    await client.registerNew('outage');
    await proxy.down();
    let during: Reply[];
    try {
      const list = await client.request('GET', '/api/v1/orders');
      expect(list.status).toBe(503);
      during = await Promise.all(
        [1, 2, 3, 4, 5].map((productId) => client.placeOrder(productId, 1)),
      );
      expect(during.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
      await waitFor('the processor to be not ready', async () => {
        const ready = await fetch(`http://127.0.0.1:${proxiedProcessor.healthPort}/health/ready`);
        return ready.status === 503;
      });
    } finally {
      await proxy.up();
    }
    for (const reply of during) {
      const orderId = reply.body.orderId as string;
      await completed(client, orderId);
      expect(await rowsFor(orderId)).toHaveLength(1);
    }
    const list = await client.request('GET', '/api/v1/orders');
    expect(list.body.total).toBe(5);
  });

  it('two bodies under one Idempotency-Key while it is down: both accepted, the first written wins, the other is a recorded conflict', async () => {
    const client = new Client(proxiedApi.url);
    const user = await client.registerNew('idem-outage');
    const key = randomUUID();
    const orderId = orderIdFor(user.id, key);
    await proxy.down();
    let replies: Reply[];
    try {
      replies = await Promise.all([client.placeOrder(2, 1, key), client.placeOrder(2, 7, key)]);
    } finally {
      await proxy.up();
    }
    expect(replies.map((r) => r.status)).toEqual([202, 202]);
    expect(replies.map((r) => r.body.orderId)).toEqual([orderId, orderId]);

    const order = await completed(client, orderId);
    const loser = order.quantity === 1 ? 7 : 1;
    const recorded = await waitFor('the conflict to be recorded', async () => {
      const [rows] = await pool.query(
        'SELECT product_id AS productId, quantity FROM order_conflicts WHERE order_id = ?',
        [orderId],
      );
      return (rows as unknown[]).length > 0 ? rows : undefined;
    });
    expect(recorded).toEqual([{ productId: 2, quantity: loser }]);
    expect(await rowsFor(orderId)).toHaveLength(1);

    // Now that the database answers, the API tells each caller what became of their body.
    const again = await client.placeOrder(2, order.quantity, key);
    expect(again.status).toBe(200);
    const refused = await client.placeOrder(2, loser, key);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('idempotency_key_reused');
  });
});
