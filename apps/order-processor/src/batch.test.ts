import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { createLogger } from '@echobase/infra/logger';
import { encodeOrderPlaced, type OrderPlaced } from '@echobase/infra/queue';
import { describe, expect, it, vi } from 'vitest';
import { processBatch } from './batch.js';
import type { OrdersRepository, RecordedStatus } from './orders.repository.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    name: 'test',
    level: 'debug',
    destination: { write: (s: string) => lines.push(JSON.parse(s)) },
  });
  return { logger, lines };
}

function order(overrides: Partial<OrderPlaced> = {}): OrderPlaced {
  return {
    type: 'order.placed',
    version: 1,
    orderId: randomUUID(),
    userId: 7,
    productId: 2,
    productSku: 'PC-042',
    productName: 'Plasma Conduit',
    unitPrice: '89.50',
    quantity: 2,
    total: '179.00',
    idempotencyKey: randomUUID(),
    requestId: `req-${randomUUID()}`,
    placedAt: new Date().toISOString(),
    ...overrides,
  };
}

function message(body: string, receiveCount = 1): Message {
  return {
    MessageId: randomUUID(),
    ReceiptHandle: randomUUID(),
    Body: body,
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
  };
}

type Repo = Pick<OrdersRepository, 'productStates' | 'recordOrder'>;

function repository(products: Record<number, boolean>, record?: Repo['recordOrder']) {
  const written: { orderId: string; status: RecordedStatus }[] = [];
  const repo: Repo = {
    productStates: vi.fn(async (ids: readonly number[]) => {
      return new Map(ids.filter((id) => id in products).map((id) => [id, products[id] as boolean]));
    }),
    recordOrder: vi.fn(
      record ??
        (async (o: OrderPlaced, status: RecordedStatus) => {
          written.push({ orderId: o.orderId, status });
          return 'recorded' as const;
        }),
    ),
  };
  return { repo, written };
}

describe('processBatch', () => {
  it('returns only the committed messages: valid and failed-product, never poison', async () => {
    const { logger } = capture();
    const { repo, written } = repository({ 2: true, 5: false });
    const ok = order();
    const inactive = order({ productId: 5, productSku: 'CSU-088' });
    const missing = order({ productId: 999 });
    const badTotal = JSON.stringify({ ...order(), total: '1.00' });
    const notJson = 'not json at all';
    const unknownVersion = JSON.stringify({ ...order(), version: 2 });
    const messages = [
      message(encodeOrderPlaced(ok)),
      message(badTotal, 2),
      message(encodeOrderPlaced(inactive)),
      message(notJson),
      message(encodeOrderPlaced(missing)),
      message(unknownVersion),
    ];

    const result = await processBatch(messages, { repository: repo, logger });

    expect(result.done.map((m) => m.MessageId)).toEqual(
      [messages[0], messages[2], messages[4]].map((m) => m?.MessageId),
    );
    expect(result.unavailable).toBeUndefined();
    expect(result.counts).toEqual({ completed: 1, failed: 2, poison: 3, rejected: 0 });
    expect(written).toEqual([
      { orderId: ok.orderId, status: 'completed' },
      { orderId: inactive.orderId, status: 'failed' },
      { orderId: missing.orderId, status: 'failed' },
    ]);
    // One catalogue read for the whole batch.
    expect(repo.productStates).toHaveBeenCalledTimes(1);
    expect(repo.productStates).toHaveBeenCalledWith([2, 5, 999]);
  });

  it('logs poison with the fields at fault, never their values, and with its request id', async () => {
    const { logger, lines } = capture();
    const { repo } = repository({ 2: true });
    const bad = { ...order(), total: '1.00', productName: '' };
    await processBatch([message(JSON.stringify(bad), 3)], { repository: repo, logger });
    expect(repo.recordOrder).not.toHaveBeenCalled();
    const line = lines.find(
      (l) => l.msg === 'invalid order message: not written; left for the dead-letter queue',
    );
    expect(line).toMatchObject({
      level: 40,
      requestId: bad.requestId,
      receiveCount: 3,
      reason: 'invalid fields: productName, total',
    });
    expect(JSON.stringify(lines)).not.toContain('1.00');
  });

  it('puts the request id, order id and message id on every line about a valid message', async () => {
    const { logger, lines } = capture();
    const { repo } = repository({ 2: true, 5: false });
    const a = order();
    const b = order({ productId: 5 });
    await processBatch([message(encodeOrderPlaced(a)), message(encodeOrderPlaced(b))], {
      repository: repo,
      logger,
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      requestId: a.requestId,
      orderId: a.orderId,
      status: 'completed',
    });
    expect(lines[1]).toMatchObject({
      requestId: b.requestId,
      orderId: b.orderId,
      status: 'failed',
    });
  });

  it('stops at a database outage: returns what committed, flags it, leaves the rest', async () => {
    const { logger, lines } = capture();
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    let calls = 0;
    const { repo } = repository({ 2: true }, async () => {
      calls += 1;
      if (calls === 2) throw outage;
      return 'recorded';
    });
    const messages = [order(), order(), order()].map((o) => message(encodeOrderPlaced(o)));
    const result = await processBatch(messages, { repository: repo, logger });
    expect(result.done).toEqual([messages[0]]);
    expect(result.unavailable).toBe(outage);
    expect(calls).toBe(2); // the third order is not attempted
    expect(
      lines.filter((l) => l.msg === 'database unavailable: order left for redelivery'),
    ).toHaveLength(2);
  });

  it('flags an outage met while reading the catalogue, returning nothing', async () => {
    const { logger } = capture();
    const { repo } = repository({});
    repo.productStates = async () => {
      throw Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
    };
    const result = await processBatch([message(encodeOrderPlaced(order()))], {
      repository: repo,
      logger,
    });
    expect(result.done).toEqual([]);
    expect(result.unavailable).toBeDefined();
  });

  it('leaves a message the database refuses (data error) and carries on with the batch', async () => {
    const { logger, lines } = capture();
    const refused = order({ userId: 424242 });
    const { repo } = repository({ 2: true }, async (o) => {
      if (o.orderId === refused.orderId)
        throw Object.assign(new Error('Cannot add or update a child row'), {
          code: 'ER_NO_REFERENCED_ROW_2',
        });
      return 'recorded';
    });
    const ok = order();
    const messages = [message(encodeOrderPlaced(refused)), message(encodeOrderPlaced(ok))];
    const result = await processBatch(messages, { repository: repo, logger });
    expect(result.done).toEqual([messages[1]]);
    expect(result.unavailable).toBeUndefined();
    expect(result.counts.rejected).toBe(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      requestId: refused.requestId,
      code: 'ER_NO_REFERENCED_ROW_2',
    });
    expect(JSON.stringify(lines[0])).not.toContain('child row');
  });

  it('runs the after-write hook only once the write has resolved', async () => {
    const { logger } = capture();
    const events: string[] = [];
    const { repo } = repository({ 2: true }, async () => {
      events.push('write');
      return 'recorded';
    });
    await processBatch([message(encodeOrderPlaced(order()))], {
      repository: repo,
      logger,
      afterWrite: () => events.push('after'),
    });
    expect(events).toEqual(['write', 'after']);
  });
});
