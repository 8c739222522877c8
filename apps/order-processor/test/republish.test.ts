import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { ensureQueuePair, queuePairNames } from '@echobase/infra/queue';
import { appPool, Fixtures, insertQueued } from '@echobase/test-kit/db';
import { orderFor } from '@echobase/test-kit/orders';
import { waitFor } from '@echobase/test-kit/poll';
import { createQueues, deleteQueues, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from './support.js';

/**
 * An order the API accepted and recorded as queued whose message vanished (the local SQS endpoint
 * keeps queues in memory; a restart loses them): re-published from its row once it has been queued too long.
 */
let pool: Pool;
let sqs: SQSClient;
let fixtures: Fixtures;

beforeAll(async () => {
  pool = await appPool();
  sqs = sqsClient();
  fixtures = new Fixtures(pool);
});

afterAll(async () => {
  await fixtures.cleanUp();
  await pool.end();
  sqs.destroy();
});

describe('order processor: orders whose message was lost', () => {
  it('re-publishes an order queued past the threshold from its row, and completes it once', async () => {
    const queues = await createQueues(sqs);
    const user = await fixtures.user();
    const lost = orderFor(user, undefined, 2);
    // Recorded by the API; its message never reached the queue (or the queue lost it).
    await insertQueued(pool, lost);
    const running = await startInProcess({
      sqs,
      queueUrl: queues.queueUrl,
      pool,
      republishAfterMs: 1_000,
    });
    try {
      const row = await waitFor(
        'the lost order to complete',
        async () => (await fixtures.orders([lost.orderId])).find((r) => r.status === 'completed'),
        { timeoutMs: 15_000 },
      );
      expect(row).toMatchObject({ quantity: 2, total: '179.00', request_id: lost.requestId });
      const republished = running.lines.filter(
        (l) => l.msg === 'order still queued: message re-published' && l.orderId === lost.orderId,
      );
      expect(republished).toEqual([expect.objectContaining({ requestId: lost.requestId })]);
      expect(await fixtures.ordersOf(user)).toHaveLength(1);
    } finally {
      await running.close();
      await deleteQueues(sqs, queues);
    }
  });

  it('two colours re-publishing at once send each stale order once', async () => {
    const blue = await createQueues(sqs);
    const green = await createQueues(sqs);
    const user = await fixtures.user();
    const lost = Array.from({ length: 6 }, () => orderFor(user));
    for (const order of lost) await insertQueued(pool, order);
    const processors = await Promise.all(
      [blue, green].map((queues) =>
        startInProcess({ sqs, queueUrl: queues.queueUrl, pool, republishAfterMs: 2_000 }),
      ),
    );
    try {
      await waitFor(
        'every lost order to complete',
        async () =>
          (await fixtures.orders(lost.map((o) => o.orderId))).every(
            (r) => r.status === 'completed',
          ),
        { timeoutMs: 20_000 },
      );
      // Other tests' stale orders in the shared database may be re-published too: look at ours.
      const ids = new Set(lost.map((o) => o.orderId));
      const republished = processors.flatMap((p) =>
        p.lines.filter(
          (l) =>
            l.msg === 'order still queued: message re-published' && ids.has(l.orderId as string),
        ),
      );
      expect(republished.map((l) => l.orderId).sort()).toEqual([...ids].sort());
    } finally {
      for (const p of processors) await p.close();
      for (const q of [blue, green]) await deleteQueues(sqs, q);
    }
  });

  it('recreates a queue that vanished with the endpoint, and its queued orders then complete', async () => {
    const queues = await createQueues(sqs);
    const user = await fixtures.user();
    const running = await startInProcess({
      sqs,
      queueUrl: queues.queueUrl,
      pool,
      republishAfterMs: 1_000,
      recreateQueue: () =>
        ensureQueuePair(sqs, { ...queuePairNames(queues.queueUrl), visibilityTimeoutSeconds: 2 }),
    });
    try {
      // What a restart of the SQS endpoint does: the queue and its DLQ are gone, the rows are not.
      await deleteQueues(sqs, queues);
      const lost = orderFor(user, undefined, 1);
      await insertQueued(pool, lost);
      await waitFor(
        'the processor to recreate the queue',
        () => running.lines.some((l) => l.msg.startsWith('the queue had vanished')),
        { timeoutMs: 20_000 },
      );
      const redrive = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queues.queueUrl,
          AttributeNames: ['RedrivePolicy'],
        }),
      );
      expect(JSON.parse(redrive.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({
        maxReceiveCount: 3,
      });
      await waitFor(
        'the order queued while the queue was gone to complete',
        async () => (await fixtures.orders([lost.orderId])).find((r) => r.status === 'completed'),
        { timeoutMs: 20_000 },
      );
    } finally {
      await running.close();
      await deleteQueues(sqs, queues);
    }
  });
});
