import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import type { QueuePair } from '@echobase/infra/queue';
import { appPool, createDbProxy, Fixtures } from '@echobase/test-kit/db';
import { orderFor } from '@echobase/test-kit/orders';
import { waitFor } from '@echobase/test-kit/poll';
import { createQueues, deleteQueues, sendOrders, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from './support.js';

/**
 * Messages a batch had in hand when the database went away are held, not dropped and not
 * left invisible for the rest of their 30 s visibility timeout: once the database answers they
 * are released and written at once. Orders accepted during an outage have no row yet, so until
 * then the queue is all that holds them.
 */
let pool: Pool;
let sqs: SQSClient;
let fixtures: Fixtures;
let queues: QueuePair;

beforeAll(async () => {
  pool = await appPool();
  sqs = sqsClient();
  fixtures = new Fixtures(pool);
  queues = await createQueues(sqs, { visibilityTimeoutSeconds: 30 });
});

afterAll(async () => {
  await deleteQueues(sqs, queues);
  await fixtures.cleanUp();
  await pool.end();
  sqs.destroy();
});

describe('order processor: messages in hand when the database goes away', () => {
  it('are released when it answers again, long before their visibility timeout ends', async () => {
    const user = await fixtures.user();
    const proxy = await createDbProxy();
    const proxied = await appPool({ port: proxy.port });
    const running = await startInProcess({
      sqs,
      queueUrl: queues.queueUrl,
      pool: proxied,
      pauseInitialBackoffMs: 100,
      pauseMaxBackoffMs: 400,
    });
    try {
      await proxy.down();
      const orders = [orderFor(user), orderFor(user), orderFor(user)];
      await sendOrders(sqs, queues.queueUrl, orders);
      await waitFor('the pause', () => running.processor.status().state === 'paused');
      const receivedAt = Date.now();
      await proxy.up();
      await waitFor(
        'the held orders to be written',
        async () => (await fixtures.orders(orders.map((o) => o.orderId))).length === 3,
        { timeoutMs: 15_000 },
      );
      // Well inside the 30 s the messages would otherwise have stayed invisible.
      expect(Date.now() - receivedAt).toBeLessThan(30_000);
      // The queue may hand the three over in one batch or several (a waiting long poll returns
      // with the first message that arrives): whatever was in hand was held, then released once.
      const released = running.lines.filter((l) => l.msg === 'held messages released');
      expect(released).toHaveLength(1);
      const held = Number(released[0]?.count);
      expect(held).toBeGreaterThanOrEqual(1);
      const recorded = running.lines.filter((l) => l.msg === 'order recorded');
      expect(recorded).toHaveLength(3);
      // A held message is received a second time after its release; the rest only once.
      expect(recorded.filter((l) => l.receiveCount === 2)).toHaveLength(held);
      expect(recorded.filter((l) => l.receiveCount === 1)).toHaveLength(3 - held);
    } finally {
      await running.close();
      await proxied.end();
      await proxy.down();
    }
  });
});
