import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { queueDepth } from '@echobase/infra/queue';
import { appPool, Fixtures } from '@echobase/test-kit/db';
import { INVALID_ORDER_REASON, invalidOrderBody, orderFor } from '@echobase/test-kit/orders';
import { waitFor } from '@echobase/test-kit/poll';
import { createQueues, deleteQueues, sendSignedBody, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from './support.js';

/**
 * Messages that are not valid orders: never written, moved to the DLQ by the queue's policy.
 * What an operator then does with them (`echobase dlq`) is tested in packages/ops/test/dlq.test.ts.
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

describe('order processor: poison messages', () => {
  it('never writes one, leaves it alone, and the redrive policy moves it to the DLQ after 3 receives', async () => {
    const queues = await createQueues(sqs, { visibilityTimeoutSeconds: 1 });
    const order = orderFor(await fixtures.user());
    const body = invalidOrderBody(order);
    const running = await startInProcess({ sqs, queueUrl: queues.queueUrl, pool });
    try {
      await sendSignedBody(sqs, queues.queueUrl, body);
      await waitFor(
        'the message in the DLQ',
        async () => (await queueDepth(sqs, queues.deadLetterQueueUrl)).visible === 1,
      );

      expect(await queueDepth(sqs, queues.queueUrl)).toMatchObject({ visible: 0, inFlight: 0 });
      expect(await fixtures.orders([order.orderId])).toEqual([]);
      const warnings = running.lines.filter(
        (l) => l.msg === 'invalid order message: not written; left for the dead-letter queue',
      );
      expect(warnings.map((w) => w.receiveCount)).toEqual([1, 2, 3]);
      for (const w of warnings) {
        expect(w).toMatchObject({
          requestId: order.requestId,
          reason: INVALID_ORDER_REASON,
        });
      }
      expect(JSON.stringify(running.lines)).not.toContain('1.00');
    } finally {
      await running.close();
      await deleteQueues(sqs, queues);
    }
  });
});
