import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { type QueuePair, queueDepth } from '@echobase/infra/queue';
import { appPool, Fixtures } from '@echobase/test-kit/db';
import { orderFor } from '@echobase/test-kit/orders';
import { waitFor } from '@echobase/test-kit/poll';
import { spawnProcessor } from '@echobase/test-kit/process';
import {
  createQueues,
  deleteQueues,
  sendOrder,
  sendOrders,
  sqsClient,
} from '@echobase/test-kit/queue';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** SIGTERM with a batch in flight: stop polling, finish the batch, close, exit 0. */
let pool: Pool;
let sqs: SQSClient;
let fixtures: Fixtures;
let queues: QueuePair;

beforeAll(async () => {
  pool = await appPool();
  sqs = sqsClient();
  fixtures = new Fixtures(pool);
  // Longer than the test holds the batch, so nothing is redelivered behind its back.
  queues = await createQueues(sqs, { visibilityTimeoutSeconds: 15 });
});

afterAll(async () => {
  await deleteQueues(sqs, queues);
  await fixtures.cleanUp();
  await pool.end();
  sqs.destroy();
});

describe('order processor: SIGTERM', () => {
  it('finishes the in-flight batch (written and deleted), takes no more, and exits 0', async () => {
    const user = await fixtures.user();
    const batch = [orderFor(user), orderFor(user), orderFor(user)];
    const late = orderFor(user);
    // Hold the user's row: every order insert (its foreign key check) waits for this lock, so
    // the batch is provably in flight when the signal arrives.
    const lock = await pool.getConnection();
    await lock.query('START TRANSACTION');
    await lock.query('SELECT id FROM users WHERE id = ? FOR UPDATE', [user]);
    // Queued before the processor polls, so its first receive takes the whole batch: a long
    // poll already waiting returns as soon as the first message arrives.
    await sendOrders(sqs, queues.queueUrl, batch);
    const child = await spawnProcessor(queues.queueUrl);
    try {
      await waitFor('an order insert waiting on the lock', async () => {
        const [rows] = await pool.query<RowDataPacket[]>(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO orders%' AND INFO LIKE ?",
          [`%${user}%`],
        );
        return Number(rows[0]?.n) > 0;
      });

      child.child.kill('SIGTERM');
      await child.waitForLog('stopping: no new messages, finishing the in-flight batch');
      await sendOrder(sqs, queues.queueUrl, late);
      const ready = await fetch(`http://127.0.0.1:${child.healthPort}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'stopping' });
    } finally {
      await lock.query('COMMIT');
      lock.release();
    }

    expect(await child.exited).toBe(0);
    expect(child.lines.at(-1)?.msg).toBe('stopped');
    const rows = await fixtures.ordersOf(user);
    const written = new Set(rows.map((r) => r.id));
    for (const order of batch) expect(written).toContain(order.orderId);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['completed']));
    // The batch was deleted. The order sent after the signal was either brought by a poll that
    // was already in progress (another poll loop's), and then written and deleted, or it waits
    // on the queue for the next processor: never both, never lost, never left in flight.
    const depth = await queueDepth(sqs, queues.queueUrl);
    expect(depth.inFlight).toBe(0);
    expect(depth.visible + (written.has(late.orderId) ? 1 : 0)).toBe(1);
    expect(rows).toHaveLength(batch.length + (written.has(late.orderId) ? 1 : 0));
  });
});
