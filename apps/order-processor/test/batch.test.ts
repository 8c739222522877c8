import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { type OrderPlaced, type OrderSigner, signedOrderMessage } from '@echobase/infra/queue';
import { appPool, Fixtures, insertQueued } from '@echobase/test-kit/db';
import { captureLogger } from '@echobase/test-kit/logs';
import { orderFor, SEEDED } from '@echobase/test-kit/orders';
import { orderSigner } from '@echobase/test-kit/queue';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processBatch } from '../src/batch.js';
import { createOrdersRepository } from '../src/orders.repository.js';

/** One batch against the real ci MariaDB: each case of the exactly-once write, one transaction. */
let pool: Pool;
let fixtures: Fixtures;
let signer: OrderSigner;

beforeAll(async () => {
  pool = await appPool();
  fixtures = new Fixtures(pool);
  signer = await orderSigner();
});

afterAll(async () => {
  await fixtures.cleanUp();
  await pool.end();
});

const delivered = (order: OrderPlaced): Message => {
  const { MessageBody, MessageAttributes } = signedOrderMessage(order, signer);
  return { MessageId: randomUUID(), Body: MessageBody, MessageAttributes };
};

const sameKey = (first: OrderPlaced, quantity: number): OrderPlaced => ({
  ...orderFor(first.userId, undefined, quantity),
  orderId: first.orderId,
  idempotencyKey: first.idempotencyKey,
});

async function conflicts(orderId: string): Promise<RowDataPacket[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT * FROM order_conflicts WHERE order_id = ?',
    [orderId],
  );
  return rows;
}

describe('order processor: a batch in one transaction', () => {
  it('inserts, promotes, keeps conflicts and repeats apart, each exactly once', async () => {
    const user = await fixtures.user();
    const fresh = orderFor(user);
    const queued = orderFor(user, await fixtures.product(false), 1);
    await insertQueued(pool, queued);
    const clash = sameKey(queued, 7);
    const twice = orderFor(user, SEEDED.plasmaConduit, 3);
    const messages = [fresh, queued, clash, twice, twice].map(delivered);

    const { logger } = captureLogger();
    const repository = createOrdersRepository(pool);
    const result = await processBatch(messages, { repository, signer, logger });

    expect(result.done).toEqual(messages);
    expect(result.counts).toMatchObject({ completed: 3, failed: 1, conflicts: 1, rejected: 0 });
    const rows = new Map(
      (await fixtures.ordersOf(user)).map((r) => [r.id, [r.status, r.quantity, r.total]]),
    );
    expect(rows).toEqual(
      new Map([
        [fresh.orderId, ['completed', 2, '179.00']],
        [queued.orderId, ['failed', 1, '12.34']],
        [twice.orderId, ['completed', 3, '268.50']],
      ]),
    );
    expect(await conflicts(queued.orderId)).toEqual([
      expect.objectContaining({ quantity: 7, request_id: clash.requestId }),
    ]);

    // The same batch again (redelivered after a lost delete): nothing changes.
    const again = await processBatch(messages, { repository, signer, logger });
    expect(again.done).toEqual(messages);
    expect(again.counts).toMatchObject({ conflicts: 1, rejected: 0 });
    expect(await fixtures.ordersOf(user)).toHaveLength(3);
    expect(await conflicts(queued.orderId)).toHaveLength(1);
  });

  it('writes the rest of a batch in which the database refuses one row, and leaves that one', async () => {
    const user = await fixtures.user();
    const good = [orderFor(user), orderFor(user, SEEDED.plasmaConduit, 4)];
    // No such user: the row's foreign key refuses it, which fails the batch's transaction.
    const orphan = orderFor(2 ** 40);
    const messages = [good[0] as OrderPlaced, orphan, good[1] as OrderPlaced].map(delivered);

    const { logger, lines } = captureLogger();
    const result = await processBatch(messages, {
      repository: createOrdersRepository(pool),
      signer,
      logger,
    });

    expect(result.done).toEqual([messages[0], messages[2]]);
    expect(result.unavailable).toBeUndefined();
    expect(result.counts).toMatchObject({ completed: 2, rejected: 1 });
    expect((await fixtures.ordersOf(user)).map((r) => r.id).sort()).toEqual(
      good.map((o) => o.orderId).sort(),
    );
    expect(await fixtures.orders([orphan.orderId])).toEqual([]);
    expect(lines.find((l) => l.level === 50)).toMatchObject({
      orderId: orphan.orderId,
      code: 'ER_NO_REFERENCED_ROW_2',
      msg: 'the database refused the order: left for redelivery, then the dead-letter queue',
    });
  });
});
