import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import type { QueuePair } from '@echobase/infra/queue';
import { appPool, Fixtures } from '@echobase/test-kit/db';
import { sampleOf } from '@echobase/test-kit/metrics';
import { orderFor } from '@echobase/test-kit/orders';
import { waitFor } from '@echobase/test-kit/poll';
import { spawnProcessor } from '@echobase/test-kit/process';
import { createQueues, deleteQueues, sendOrder, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The health endpoints of the built processor, against the real database and queue. */
let pool: Pool;
let sqs: SQSClient;
let queues: QueuePair;
let fixtures: Fixtures;

beforeAll(async () => {
  pool = await appPool();
  sqs = sqsClient();
  queues = await createQueues(sqs);
  fixtures = new Fixtures(pool);
});

afterAll(async () => {
  await fixtures.cleanUp();
  await deleteQueues(sqs, queues);
  await pool.end();
  sqs.destroy();
});

describe('order processor: health endpoints', () => {
  it('answers live, ready, and JSON 404s; identity on every answer', async () => {
    const child = await spawnProcessor(queues.queueUrl, { COLOUR: 'green', BUILD_ID: 'b-42' });
    try {
      const get = async (path: string) => {
        const res = await fetch(`http://127.0.0.1:${child.healthPort}${path}`);
        return {
          status: res.status,
          type: res.headers.get('content-type'),
          body: await res.json(),
        };
      };
      expect(await get('/health/live')).toEqual({
        status: 200,
        type: 'application/json; charset=utf-8',
        body: { status: 'ok', service: 'order-processor', buildId: 'b-42', colour: 'green' },
      });
      expect(await get('/health/ready')).toMatchObject({
        status: 200,
        body: { status: 'ready', inFlight: 0, colour: 'green' },
      });
      expect(await get('/nope')).toMatchObject({
        status: 404,
        body: { error: { code: 'not_found' } },
      });
    } finally {
      expect(await child.stop()).toBe(0);
    }
  });

  it('serves its figures on /metrics: orders handled, state and queues, labelled with the colour', async () => {
    const child = await spawnProcessor(queues.queueUrl, { COLOUR: 'green', BUILD_ID: 'b-42' });
    try {
      const order = orderFor(await fixtures.user());
      await sendOrder(sqs, queues.queueUrl, order);
      const scrape = async () => {
        const res = await fetch(`http://127.0.0.1:${child.healthPort}/metrics`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        return res.text();
      };
      // Counted once its batch is done, just after the row commits.
      const text = await waitFor('the order counted', async () => {
        const t = await scrape();
        return sampleOf(t, 'echobase_messages_handled_total', { outcome: 'completed' }) === 1 && t;
      });
      expect((await fixtures.orders([order.orderId])).length).toBe(1);
      const id = { service: 'order-processor', colour: 'green', build: 'b-42' };
      expect(
        sampleOf(text, 'echobase_messages_handled_total', { ...id, outcome: 'completed' }),
      ).toBe(1);
      expect(sampleOf(text, 'echobase_processor_state', { ...id, state: 'running' })).toBe(1);
      expect(
        sampleOf(text, 'echobase_queue_messages', {
          ...id,
          queue: 'dead-letter',
          state: 'visible',
        }),
      ).toBe(0);
      expect(sampleOf(text, 'echobase_batch_duration_seconds_count', id)).toBeGreaterThan(0);
      expect(sampleOf(text, 'process_resident_memory_bytes', id)).toBeGreaterThan(10_000_000);
    } finally {
      expect(await child.stop()).toBe(0);
    }
  });

  it('fails to start with one clear line when the queue does not exist', async () => {
    const missing = queues.queueUrl.replace(/[^/]+$/, 'echobase-test-op-no-such-queue');
    await expect(spawnProcessor(missing)).rejects.toThrow(
      `order-processor exited with 1: order-processor: failed to start: the queue ${missing} does not exist (is this colour's stack deployed?)\n`,
    );
  });
});
