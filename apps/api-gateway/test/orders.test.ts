import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from 'node:net';
import { createDbPool, type Pool } from '@echobase/infra/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderIdFor } from '../src/orders/orders.service.js';
import {
  Client,
  durableEnv,
  eventually,
  type Harness,
  type Json,
  type Reply,
  readSecrets,
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
const PROXIED_HEALTH = 3294;

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

/**
 * A TCP proxy between one API (and its processor) and the shared ci MariaDB, which keeps
 * serving everyone else:
 * `down` refuses and drops every connection; `hang` accepts connections and answers nothing, and
 * the open ones go silent (a database that is stuck, not gone); `up` forwards again.
 */
async function dbProxy() {
  const env = durableEnv();
  let mode: 'up' | 'down' | 'hang' = 'up';
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createTcpServer((client) => {
    track(client);
    if (mode === 'down') {
      client.destroy();
      return;
    }
    if (mode === 'hang') return;
    const upstream = connect(Number(env.DB_PORT), env.DB_HOST as string);
    track(upstream);
    client.on('data', (chunk) => mode === 'up' && upstream.write(chunk));
    upstream.on('data', (chunk) => mode === 'up' && client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    set(next: 'up' | 'down' | 'hang') {
      // Bytes dropped while hung leave the open connections useless: drop them on the way out.
      if (next === 'down' || mode === 'hang') dropAll();
      mode = next;
    },
    async close() {
      dropAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a database that is down or hung (for one API and its processor)', () => {
  let proxied: Harness;
  let proxy: Awaited<ReturnType<typeof dbProxy>>;
  let proxiedPool: Pool;
  let proxiedProcessor: ChildProcess;

  beforeAll(async () => {
    proxy = await dbProxy();
    const env = durableEnv();
    const { login } = await readSecrets();
    proxiedPool = createDbPool({
      host: '127.0.0.1',
      port: proxy.port,
      database: env.DB_NAME as string,
      user: login.username,
      password: login.password,
    });
    proxied = await startApi({ pool: proxiedPool });
    proxiedProcessor = await startProcessor(proxied.queues.queueUrl, PROXIED_HEALTH, {
      DB_HOST: '127.0.0.1',
      DB_PORT: String(proxy.port),
    });
  });
  afterAll(async () => {
    if (proxiedProcessor) await stopChild(proxiedProcessor);
    await proxied?.close();
    proxy?.set('down');
    await proxiedPool?.end().catch(() => undefined);
    await proxy?.close();
  });

  it('still accepts orders, and every one lands exactly once when the database is back', async () => {
    const client = new Client(proxied.url);
    await client.registerNew('outage');
    proxy.set('down');
    let during: Reply[];
    try {
      const list = await client.request('GET', '/api/v1/orders');
      expect(list.status).toBe(503);
      during = await Promise.all(
        [1, 2, 3, 4, 5].map((productId) => client.placeOrder(productId, 1)),
      );
      expect(during.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
      await eventually('the processor to be not ready', async () => {
        const ready = await fetch(`http://127.0.0.1:${PROXIED_HEALTH}/health/ready`);
        return ready.status === 503;
      });
    } finally {
      proxy.set('up');
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
    const client = new Client(proxied.url);
    const user = await client.registerNew('idem-outage');
    const key = randomUUID();
    const orderId = orderIdFor(user.id, key);
    proxy.set('down');
    let replies: Reply[];
    try {
      replies = await Promise.all([client.placeOrder(2, 1, key), client.placeOrder(2, 7, key)]);
    } finally {
      proxy.set('up');
    }
    expect(replies.map((r) => r.status)).toEqual([202, 202]);
    expect(replies.map((r) => r.body.orderId)).toEqual([orderId, orderId]);

    const order = await completed(client, orderId);
    const loser = order.quantity === 1 ? 7 : 1;
    const recorded = await eventually('the conflict to be recorded', async () => {
      const [rows] = await api.pool.query(
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

  it('a hung database gets a prompt 503 for every request, never a hang, and the API recovers', async () => {
    const client = new Client(proxied.url);
    await client.registerNew('hung');
    expect((await client.request('GET', '/api/v1/orders')).status).toBe(200);
    proxy.set('hang');
    try {
      const started = Date.now();
      const replies = await Promise.all(
        Array.from({ length: 60 }, async () => {
          const reply = await client.request('GET', '/api/v1/orders');
          return { status: reply.status, ms: Date.now() - started, code: reply.body?.error?.code };
        }),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(60).fill(503));
      expect(new Set(replies.map((r) => r.code))).toEqual(new Set(['unavailable']));
      expect(Math.max(...replies.map((r) => r.ms))).toBeLessThan(8_000);
    } finally {
      proxy.set('up');
    }
    await eventually('the API to answer again', async () => {
      const reply = await client.request('GET', '/api/v1/orders');
      return reply.status === 200;
    });
  }, 30_000);
});
