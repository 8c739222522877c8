import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { type QueuePair, queueDepth } from '@echobase/infra/queue';
import { appPool, Fixtures, insertQueued } from '@echobase/test-kit/db';
import { orderFor } from '@echobase/test-kit/orders';
import { waitFor } from '@echobase/test-kit/poll';
import { spawnProcessor } from '@echobase/test-kit/process';
import { createQueues, deleteQueues, sendOrder, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type InProcess, startInProcess } from './support.js';

/** Orders against the real ci MariaDB and moto: written once, deleted only after the write. */
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

const drained = async () => {
  const d = await queueDepth(sqs, queues.queueUrl);
  return d.visible === 0 && d.inFlight === 0 && d.delayed === 0;
};

describe('order processor: writing orders', () => {
  it('writes a valid order as completed, with every field from the message, and deletes it', async () => {
    const user = await fixtures.user();
    const order = orderFor(user);
    running = await startInProcess({ sqs, queueUrl: queues.queueUrl, pool });
    await sendOrder(sqs, queues.queueUrl, order);

    const row = await waitFor(
      'the order row',
      async () => (await fixtures.orders([order.orderId]))[0],
    );
    expect(row).toMatchObject({
      id: order.orderId,
      user_id: user,
      product_id: 2,
      product_sku: 'PC-042',
      product_name: 'Plasma Conduit',
      unit_price: '89.50',
      quantity: 2,
      total: '179.00',
      status: 'completed',
      idempotency_key: order.idempotencyKey,
      request_id: order.requestId,
    });
    expect((row.created_at as Date).toISOString()).toBe(order.placedAt);
    await waitFor('the message to be deleted', drained);
    expect(await queueDepth(sqs, queues.deadLetterQueueUrl)).toMatchObject({
      visible: 0,
      inFlight: 0,
    });
    const recorded = running.lines.find((l) => l.msg === 'order recorded');
    expect(recorded).toMatchObject({
      requestId: order.requestId,
      orderId: order.orderId,
      status: 'completed',
    });
  });

  it('completes a row the API pre-wrote as queued, changing nothing else', async () => {
    const user = await fixtures.user();
    const order = orderFor(user);
    // What the API writes when the database is up as it accepts the order.
    await insertQueued(pool, order);
    const [before] = await fixtures.orders([order.orderId]);
    running = await startInProcess({ sqs, queueUrl: queues.queueUrl, pool });
    await sendOrder(sqs, queues.queueUrl, order);

    await waitFor(
      'the row to be completed',
      async () => (await fixtures.orders([order.orderId]))[0]?.status === 'completed',
    );
    const rows = await fixtures.orders([order.orderId]);
    expect(rows).toHaveLength(1);
    const { status: _s, updated_at: _u, ...rest } = rows[0] as Record<string, unknown>;
    const { status: _bs, updated_at: _bu, ...restBefore } = before as Record<string, unknown>;
    expect(rest).toEqual(restBefore);
    await waitFor('the message to be deleted', drained);
    expect(running.lines.find((l) => l.msg === 'order recorded')).toMatchObject({
      outcome: 'promoted',
    });
  });

  it('writes an order for a product no longer sold as failed, so its owner sees it', async () => {
    const user = await fixtures.user();
    const retired = await fixtures.product(false);
    const order = orderFor(user, retired, 3);
    running = await startInProcess({ sqs, queueUrl: queues.queueUrl, pool });
    await sendOrder(sqs, queues.queueUrl, order);

    const row = await waitFor(
      'the order row',
      async () => (await fixtures.orders([order.orderId]))[0],
    );
    expect(row).toMatchObject({ status: 'failed', product_id: retired.id, total: '37.02' });
    await waitFor('the message to be deleted', drained);
  });

  it('writes one row for the same message delivered three times', async () => {
    const user = await fixtures.user();
    const order = orderFor(user);
    for (let i = 0; i < 3; i += 1) await sendOrder(sqs, queues.queueUrl, order);
    running = await startInProcess({ sqs, queueUrl: queues.queueUrl, pool });

    await waitFor('all three messages to be deleted', drained);
    await waitFor(
      'three writes',
      () => running?.lines.filter((l) => l.msg === 'order recorded').length === 3,
    );
    const rows = await fixtures.ordersOf(user);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: order.orderId, status: 'completed' });
  });

  it('survives a SIGKILL between the write and the delete: redelivered, still one row, queue drained', async () => {
    const user = await fixtures.user();
    const order = orderFor(user);
    const crashing = await spawnProcessor(queues.queueUrl, {
      ORDER_PROCESSOR_CRASH_AFTER_WRITE: '1',
    });
    await sendOrder(sqs, queues.queueUrl, order);

    expect(await crashing.exited).toBe('SIGKILL');
    const [written] = await fixtures.orders([order.orderId]);
    expect(written).toMatchObject({ status: 'completed' });
    // The write committed but the message was never deleted: it is still on the queue.
    expect(await queueDepth(sqs, queues.queueUrl)).toMatchObject({ visible: 0, inFlight: 1 });

    const fresh = await spawnProcessor(queues.queueUrl);
    try {
      const recorded = await fresh.waitForLog('order recorded');
      expect(recorded).toMatchObject({
        orderId: order.orderId,
        requestId: order.requestId,
        receiveCount: 2,
      });
      await waitFor('the queue to drain', drained);
      const rows = await fixtures.ordersOf(user);
      expect(rows).toHaveLength(1);
      // The redelivery changed nothing: not even updated_at moved.
      expect(rows[0]).toEqual(written);
    } finally {
      expect(await fresh.stop()).toBe(0);
    }
  });
});
