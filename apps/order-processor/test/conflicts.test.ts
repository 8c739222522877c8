import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import {
  fromCents,
  type OrderPlaced,
  type QueuePair,
  queueDepth,
  toCents,
} from '@echobase/infra/queue';
import { appPool, Fixtures, insertQueued } from '@echobase/test-kit/db';
import { orderFor } from '@echobase/test-kit/orders';
import { waitFor } from '@echobase/test-kit/poll';
import { createQueues, deleteQueues, sendOrder, sqsClient } from '@echobase/test-kit/queue';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type InProcess, startInProcess } from './support.js';

/**
 * One Idempotency-Key, two bodies, accepted while the API could not see the database: both
 * messages carry the same order id. The first body written wins; the other is recorded as a
 * conflict, never dropped silently, and never flips the order.
 */
let pool: Pool;
let sqs: SQSClient;
let fixtures: Fixtures;
let queues: QueuePair;
let running: InProcess | undefined;

beforeAll(async () => {
  pool = await appPool();
  sqs = sqsClient();
  fixtures = new Fixtures(pool);
});

beforeEach(async () => {
  queues = await createQueues(sqs);
  running = await startInProcess({ sqs, queueUrl: queues.queueUrl, pool });
});

afterEach(async () => {
  await running?.close();
  running = undefined;
  await deleteQueues(sqs, queues);
});

afterAll(async () => {
  await fixtures.cleanUp();
  await pool.end();
  sqs.destroy();
});

/** The same order id and key as `first`, for another quantity. */
function sameKey(first: OrderPlaced, quantity: number): OrderPlaced {
  const second = orderFor(first.userId, undefined, quantity);
  return { ...second, orderId: first.orderId, idempotencyKey: first.idempotencyKey };
}

async function conflicts(orderId: string): Promise<RowDataPacket[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT * FROM order_conflicts WHERE order_id = ?',
    [orderId],
  );
  return rows;
}

const drained = async () => {
  const d = await queueDepth(sqs, queues.queueUrl);
  return d.visible === 0 && d.inFlight === 0 && d.delayed === 0;
};

describe('order processor: one Idempotency-Key, two bodies', () => {
  it('keeps the first body written and records the second as a conflict, once, through redeliveries', async () => {
    const first = orderFor(await fixtures.user(), undefined, 1);
    const second = sameKey(first, 2);
    await sendOrder(sqs, queues.queueUrl, first);
    await waitFor('the first order', async () => (await fixtures.orders([first.orderId]))[0]);
    for (let i = 0; i < 3; i += 1) await sendOrder(sqs, queues.queueUrl, second);

    await waitFor('the conflict', async () => (await conflicts(first.orderId)).length > 0);
    await waitFor('the queue to drain', drained);
    const rows = await fixtures.orders([first.orderId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'completed', quantity: 1, total: '89.50' });
    const recorded = await conflicts(first.orderId);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      user_id: first.userId,
      idempotency_key: first.idempotencyKey,
      product_id: 2,
      quantity: 2,
      request_id: second.requestId,
    });
    expect(await queueDepth(sqs, queues.deadLetterQueueUrl)).toMatchObject({ visible: 0 });
    const warned = running?.lines.filter(
      (l) =>
        l.msg ===
        'Idempotency-Key reused for a different order: recorded as a conflict; the first order stands',
    );
    expect(warned).toHaveLength(3);
    expect(warned?.[0]).toMatchObject({ orderId: first.orderId, requestId: second.requestId });
  });

  it('a queued row the API wrote wins over a message with another body, which never completes it', async () => {
    const accepted = orderFor(await fixtures.user(), undefined, 3);
    await insertQueued(pool, accepted);
    const other = sameKey(accepted, 4);
    await sendOrder(sqs, queues.queueUrl, other);

    await waitFor('the conflict', async () => (await conflicts(accepted.orderId)).length > 0);
    await waitFor('the queue to drain', drained);
    expect(await fixtures.orders([accepted.orderId])).toMatchObject([
      { status: 'queued', quantity: 3, total: fromCents(toCents('89.50') * 3) },
    ]);
    await sendOrder(sqs, queues.queueUrl, accepted);
    await waitFor(
      'the accepted order to complete',
      async () => (await fixtures.orders([accepted.orderId]))[0]?.status === 'completed',
    );
    expect(await conflicts(accepted.orderId)).toHaveLength(1);
  });
});
