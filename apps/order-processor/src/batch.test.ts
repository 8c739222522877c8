import { randomBytes, randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import {
  createOrderSigner,
  type OrderPlaced,
  reloadingSigner,
  signedOrderMessage,
} from '@echobase/infra/queue';
import { captureLogger } from '@echobase/test-kit/logs';
import { orderFor, SEEDED } from '@echobase/test-kit/orders';
import { describe, expect, it, vi } from 'vitest';
import { processBatch } from './batch.js';
import type {
  CatalogueEntry,
  OrdersRepository,
  OrderWrite,
  RecordedStatus,
  RecordOutcome,
} from './orders.repository.js';

const signer = createOrderSigner({ signingKey: randomBytes(48).toString('base64url') });

/** A message as SQS delivers it, signed by the API unless `attributes` says otherwise. */
function message(
  body: string,
  receiveCount = 1,
  attributes: Message['MessageAttributes'] = signer.sign(body),
): Message {
  return {
    MessageId: randomUUID(),
    ReceiptHandle: randomUUID(),
    Body: body,
    MessageAttributes: attributes,
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
  };
}

const signed = (o: OrderPlaced) => message(signedOrderMessage(o, signer).MessageBody);

const CATALOGUE: Record<number, CatalogueEntry> = {
  2: { sku: 'PC-042', name: 'Plasma Conduit', price: '89.50', active: true },
  5: { sku: 'CSU-088', name: 'Chrono Sync Unit', price: '324.75', active: false },
};

type Repo = Pick<OrdersRepository, 'products' | 'recordOrders'>;
type RecordOne = (
  o: OrderPlaced,
  status: RecordedStatus,
  product: CatalogueEntry,
) => Promise<RecordOutcome>;

/** A repository recording each order of a batch through `record`; one throw fails the batch. */
function repository(record?: RecordOne) {
  const written: { orderId: string; status: RecordedStatus; price: string }[] = [];
  const repo: Repo = {
    products: vi.fn(async (ids: readonly number[]) => {
      return new Map(
        ids.filter((id) => id in CATALOGUE).map((id) => [id, CATALOGUE[id] as CatalogueEntry]),
      );
    }),
    recordOrders: vi.fn(async (writes: readonly OrderWrite[]) => {
      const outcomes: RecordOutcome[] = [];
      for (const { order, status, product } of writes) {
        if (record) outcomes.push(await record(order, status, product));
        else {
          written.push({ orderId: order.orderId, status, price: product.price });
          outcomes.push('recorded');
        }
      }
      return outcomes;
    }),
  };
  return { repo, written };
}

describe('processBatch', () => {
  it('returns only the committed messages: valid and failed-product; never unsigned, poison or unknown-product', async () => {
    const { logger } = captureLogger();
    const { repo, written } = repository();
    const ok = orderFor(7);
    const inactive = orderFor(7, SEEDED.chronoSyncUnit);
    const missing = orderFor(7, { ...SEEDED.plasmaConduit, id: 999 });
    const messages = [
      signed(ok),
      message(JSON.stringify({ ...orderFor(7), total: '1.00' }), 2),
      signed(inactive),
      message('not json at all'),
      signed(missing),
      message(JSON.stringify({ ...orderFor(7), version: 1, fingerprint: undefined })),
      message(signedOrderMessage(orderFor(7), signer).MessageBody, 1, {}),
    ];

    const result = await processBatch(messages, { repository: repo, signer, logger });

    expect(result.done.map((m) => m.MessageId)).toEqual(
      [messages[0], messages[2]].map((m) => m?.MessageId),
    );
    expect(result.unavailable).toBeUndefined();
    expect(result.counts).toEqual({
      completed: 1,
      failed: 1,
      conflicts: 0,
      unauthenticated: 1,
      poison: 3,
      rejected: 1,
    });
    expect(written).toEqual([
      { orderId: ok.orderId, status: 'completed', price: '89.50' },
      { orderId: inactive.orderId, status: 'failed', price: '324.75' },
    ]);
    // One catalogue read for the whole batch.
    expect(repo.products).toHaveBeenCalledTimes(1);
    expect(repo.products).toHaveBeenCalledWith([2, 5, 999]);
  });

  it('reads the signing keys again for a key it does not know, once per batch, and then writes the order', async () => {
    const { logger, lines } = captureLogger();
    const { repo, written } = repository();
    const before = { signingKey: randomBytes(48).toString('base64url') };
    const after = {
      signingKey: randomBytes(48).toString('base64url'),
      previousSigningKey: before.signingKey,
    };
    // The secret was rotated after this processor started; an API started since signs with the new key.
    const load = vi.fn(async () => after);
    const keys = reloadingSigner(before, load);
    const rotated = createOrderSigner(after);
    const a = orderFor(7);
    const b = orderFor(7);
    const messages = [a, b].map((o) => {
      const m = signedOrderMessage(o, rotated);
      return message(m.MessageBody, 1, m.MessageAttributes);
    });

    const result = await processBatch(messages, { repository: repo, signer: keys, logger });

    expect(load).toHaveBeenCalledTimes(1);
    expect(result.done).toHaveLength(2);
    expect(written.map((w) => w.orderId)).toEqual([a.orderId, b.orderId]);
    expect(
      lines.some((l) => l.msg === 'the order signing keys changed since the start: reloaded'),
    ).toBe(true);
    // A forgery is still refused after the reload, and costs no second read within the interval.
    const stranger = createOrderSigner({ signingKey: randomBytes(48).toString('base64url') });
    const forged = signedOrderMessage(orderFor(7), stranger);
    const again = await processBatch([message(forged.MessageBody, 1, forged.MessageAttributes)], {
      repository: repo,
      signer: keys,
      logger,
    });
    expect(again.counts.unauthenticated).toBe(1);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('never reads an unsigned, re-signed or altered message, and logs why without what it claims', async () => {
    const { logger, lines } = captureLogger();
    const { repo } = repository();
    const forged = orderFor(7, { ...SEEDED.plasmaConduit, price: '0.01' });
    const body = signedOrderMessage(forged, signer).MessageBody;
    const stranger = createOrderSigner({ signingKey: randomBytes(48).toString('base64url') });
    const altered = body.replace('"quantity":2', '"quantity":3');
    const result = await processBatch(
      [
        message(body, 1, {}),
        message(body, 2, stranger.sign(body)),
        message(altered, 3, signer.sign(body)),
      ],
      { repository: repo, signer, logger },
    );
    expect(result.done).toEqual([]);
    expect(result.counts.unauthenticated).toBe(3);
    expect(repo.products).not.toHaveBeenCalled();
    expect(repo.recordOrders).not.toHaveBeenCalled();
    expect(lines.map((l) => [l.msg, l.reason, l.receiveCount, l.level])).toEqual([
      [
        'order message not authenticated: not written; left for the dead-letter queue',
        'no signature',
        1,
        40,
      ],
      [
        'order message not authenticated: not written; left for the dead-letter queue',
        'signed with an unknown key',
        2,
        40,
      ],
      [
        'order message not authenticated: not written; left for the dead-letter queue',
        'bad signature',
        3,
        40,
      ],
    ]);
    expect(JSON.stringify(lines)).not.toContain(forged.requestId);
    expect(JSON.stringify(lines)).not.toContain(forged.orderId);
  });

  it('prices the order from the catalogue, not from the message', async () => {
    const { logger, lines } = captureLogger();
    const { repo, written } = repository();
    const cheap = orderFor(7, { ...SEEDED.plasmaConduit, price: '0.01' });
    await processBatch([signed(cheap)], { repository: repo, signer, logger });
    expect(written).toEqual([{ orderId: cheap.orderId, status: 'completed', price: '89.50' }]);
    expect(lines[0]).toMatchObject({ msg: 'order recorded', repriced: true });
  });

  it('logs poison with the fields at fault, never their values, and with its request id', async () => {
    const { logger, lines } = captureLogger();
    const { repo } = repository();
    const bad = { ...orderFor(7), total: '1.00', productName: '' };
    await processBatch([message(JSON.stringify(bad), 3)], { repository: repo, signer, logger });
    expect(repo.recordOrders).not.toHaveBeenCalled();
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

  it('leaves an order for a product that does not exist for the DLQ, saying so', async () => {
    const { logger, lines } = captureLogger();
    const { repo } = repository();
    const missing = orderFor(7, { ...SEEDED.plasmaConduit, id: 999 });
    const result = await processBatch([signed(missing)], { repository: repo, signer, logger });
    expect(result.done).toEqual([]);
    expect(result.counts.rejected).toBe(1);
    expect(repo.recordOrders).not.toHaveBeenCalled();
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'order for a product that does not exist: not written; left for the dead-letter queue',
        orderId: missing.orderId,
        requestId: missing.requestId,
        productId: 999,
      }),
    ]);
  });

  it('deletes a message whose body lost to an earlier one under its order id, counting the conflict', async () => {
    const { logger, lines } = captureLogger();
    const { repo } = repository(async () => 'conflict');
    const second = orderFor(7, SEEDED.plasmaConduit, 7);
    const result = await processBatch([signed(second)], { repository: repo, signer, logger });
    expect(result.done).toHaveLength(1);
    expect(result.counts).toMatchObject({ conflicts: 1, completed: 0 });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'Idempotency-Key reused for a different order: recorded as a conflict; the first order stands',
        orderId: second.orderId,
        requestId: second.requestId,
        quantity: 7,
      }),
    ]);
  });

  it('puts the request id, order id and message id on every line about a valid message', async () => {
    const { logger, lines } = captureLogger();
    const { repo } = repository();
    const a = orderFor(7);
    const b = orderFor(7, SEEDED.chronoSyncUnit);
    await processBatch([signed(a), signed(b)], { repository: repo, signer, logger });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      requestId: a.requestId,
      orderId: a.orderId,
      status: 'completed',
    });
    expect(lines[0]?.repriced).toBeUndefined();
    expect(lines[1]).toMatchObject({
      requestId: b.requestId,
      orderId: b.orderId,
      status: 'failed',
    });
  });

  it('writes the whole batch in one call (one transaction), in the order received', async () => {
    const { logger } = captureLogger();
    const { repo, written } = repository();
    const orders = [orderFor(7), orderFor(7, SEEDED.chronoSyncUnit), orderFor(7)];
    const result = await processBatch(orders.map(signed), { repository: repo, signer, logger });
    expect(result.done).toHaveLength(3);
    expect(repo.recordOrders).toHaveBeenCalledTimes(1);
    expect(written.map((w) => w.orderId)).toEqual(orders.map((o) => o.orderId));
  });

  it('stops at a database outage: the batch rolled back is all left for redelivery, and flagged', async () => {
    const { logger, lines } = captureLogger();
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    let calls = 0;
    const { repo } = repository(async () => {
      calls += 1;
      if (calls === 2) throw outage;
      return 'recorded';
    });
    const messages = [orderFor(7), orderFor(7), orderFor(7)].map(signed);
    const result = await processBatch(messages, { repository: repo, signer, logger });
    expect(result.done).toEqual([]);
    expect(result.unavailable).toBe(outage);
    expect(repo.recordOrders).toHaveBeenCalledTimes(1); // not retried one by one
    expect(
      lines.filter((l) => l.msg === 'database unavailable: order left for redelivery'),
    ).toHaveLength(3);
  });

  it('returns what committed one by one when an outage follows a refused batch', async () => {
    const { logger, lines } = captureLogger();
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const [refused, ok, late] = [orderFor(424242), orderFor(7), orderFor(7)];
    // The batch fails on `refused` before reaching the others; one by one, `late` meets the outage.
    const { repo } = repository(async (o) => {
      if (o.orderId === refused.orderId)
        throw Object.assign(new Error('child row'), { code: 'ER_NO_REFERENCED_ROW_2' });
      if (o.orderId === late.orderId) throw outage;
      return 'recorded';
    });
    const messages = [refused, ok, late].map(signed);
    const result = await processBatch(messages, { repository: repo, signer, logger });
    expect(result.done).toEqual([messages[1]]);
    expect(result.unavailable).toBe(outage);
    expect(result.counts).toMatchObject({ completed: 1, rejected: 1 });
    expect(lines.map((l) => l.msg)).toEqual([
      'the database refused the order: left for redelivery, then the dead-letter queue',
      'order recorded',
      'database unavailable: order left for redelivery',
    ]);
  });

  it('flags an outage met while reading the catalogue, returning nothing', async () => {
    const { logger } = captureLogger();
    const { repo } = repository();
    repo.products = async () => {
      throw Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
    };
    const result = await processBatch([signed(orderFor(7))], { repository: repo, signer, logger });
    expect(result.done).toEqual([]);
    expect(result.unavailable).toBeDefined();
  });

  it('leaves a message the database refuses (data error) and carries on with the batch', async () => {
    const { logger, lines } = captureLogger();
    const refused = orderFor(424242);
    const { repo } = repository(async (o) => {
      if (o.orderId === refused.orderId)
        throw Object.assign(new Error('Cannot add or update a child row'), {
          code: 'ER_NO_REFERENCED_ROW_2',
        });
      return 'recorded';
    });
    const ok = orderFor(7);
    const messages = [signed(refused), signed(ok)];
    const result = await processBatch(messages, { repository: repo, signer, logger });
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
    const { logger } = captureLogger();
    const events: string[] = [];
    const { repo } = repository(async () => {
      events.push('write');
      return 'recorded';
    });
    await processBatch([signed(orderFor(7))], {
      repository: repo,
      signer,
      logger,
      afterWrite: () => events.push('after'),
    });
    expect(events).toEqual(['write', 'after']);
  });
});
