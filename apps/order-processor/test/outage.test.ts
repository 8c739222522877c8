import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { type OrderPlaced, type QueuePair, queueDepth } from '@echobase/infra/queue';
import { appPool, createDbProxy, Fixtures } from '@echobase/test-kit/db';
import { orderFor } from '@echobase/test-kit/orders';
import { waitFor } from '@echobase/test-kit/poll';
import { createQueues, deleteQueues, sendOrders, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from './support.js';

/**
 * A database outage, made with a TCP proxy between the processor and the shared ci MariaDB
 * (which keeps running for everyone else): the proxy stops listening and drops its connections,
 * then comes back.
 */
let pool: Pool;
let sqs: SQSClient;
let fixtures: Fixtures;
let queues: QueuePair;

beforeAll(async () => {
  pool = await appPool();
  sqs = sqsClient();
  fixtures = new Fixtures(pool);
  queues = await createQueues(sqs, { visibilityTimeoutSeconds: 2 });
});

afterAll(async () => {
  await deleteQueues(sqs, queues);
  await fixtures.cleanUp();
  await pool.end();
  sqs.destroy();
});

const sendAll = (orders: OrderPlaced[]) => sendOrders(sqs, queues.queueUrl, orders);

const drained = async () => {
  const d = await queueDepth(sqs, queues.queueUrl);
  return d.visible === 0 && d.inFlight === 0;
};

describe('order processor: database outage', () => {
  it('pauses without burning messages, shows it in /health/ready, and resumes to write every order once', async () => {
    const user = await fixtures.user();
    const proxy = await createDbProxy({ up: false }); // nothing listens on its port yet
    const proxied = await appPool({ port: proxy.port });
    const running = await startInProcess({
      sqs,
      queueUrl: queues.queueUrl,
      pool: proxied,
      pauseInitialBackoffMs: 100,
      pauseMaxBackoffMs: 400,
    });
    try {
      // 1. Started while the database is unreachable: paused, nothing consumed.
      expect(running.processor.status()).toMatchObject({
        state: 'paused',
        reason: 'database unavailable (ECONNREFUSED)',
      });
      expect(await running.health('/health/ready')).toMatchObject({
        status: 503,
        body: { status: 'paused', reason: 'database unavailable (ECONNREFUSED)' },
      });
      expect((await running.health('/health/live')).status).toBe(200);
      const early = [orderFor(user), orderFor(user), orderFor(user)];
      await sendAll(early);
      expect(await queueDepth(sqs, queues.queueUrl)).toMatchObject({ visible: 3, inFlight: 0 });

      await proxy.up();
      await waitFor(
        'the early orders',
        async () => (await fixtures.orders(early.map((o) => o.orderId))).length === 3,
      );
      await waitFor('the queue to drain', drained);
      expect(await running.health('/health/ready')).toMatchObject({
        status: 200,
        body: { status: 'ready' },
      });

      // 2. The database goes away while consuming.
      await proxy.down();
      const late = [orderFor(user), orderFor(user), orderFor(user)];
      await sendAll(late);
      await waitFor('the pause', () => running.processor.status().state === 'paused');
      expect((await running.health('/health/ready')).body).toMatchObject({ status: 'paused' });
      // The visibility timeout runs out and the messages are visible again: the paused
      // processor does not receive them (no receive is spent), and writes nothing.
      await waitFor('the messages to be visible and untouched', async () => {
        const d = await queueDepth(sqs, queues.queueUrl);
        return d.visible === 3 && d.inFlight === 0;
      });
      expect(running.processor.status().state).toBe('paused');
      expect(await fixtures.orders(late.map((o) => o.orderId))).toEqual([]);

      await proxy.up();
      await waitFor(
        'the late orders',
        async () => (await fixtures.orders(late.map((o) => o.orderId))).length === 3,
      );
      await waitFor('the queue to drain', drained);
      expect(await running.health('/health/ready')).toMatchObject({ status: 200 });

      // Every order exactly once, all completed, nothing in the DLQ.
      const rows = await fixtures.ordersOf(user);
      expect(rows.map((r) => r.id).sort()).toEqual(
        [...early, ...late].map((o) => o.orderId).sort(),
      );
      expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['completed']));
      expect(await queueDepth(sqs, queues.deadLetterQueueUrl)).toMatchObject({
        visible: 0,
        inFlight: 0,
      });
      // No message was received more than once before the outage ended.
      const recorded = running.lines.filter((l) => l.msg === 'order recorded');
      expect(recorded).toHaveLength(6);
      for (const line of recorded) expect(line.receiveCount as number).toBeLessThanOrEqual(2);
      // One log line per transition: two pauses, two resumes.
      const msgs = running.lines.map((l) => l.msg);
      expect(msgs.filter((m) => m.includes('consumption paused'))).toHaveLength(2);
      expect(msgs.filter((m) => m.includes('consumption resumed'))).toHaveLength(2);
    } finally {
      await running.close();
      await proxied.end();
      await proxy.down();
    }
  });
});
