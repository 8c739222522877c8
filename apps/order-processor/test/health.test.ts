import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import type { QueuePair } from '@echobase/infra/queue';
import { appPool } from '@echobase/test-kit/db';
import { spawnProcessor } from '@echobase/test-kit/process';
import { createQueues, deleteQueues, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The health endpoints of the built processor, against the real database and queue. */
let pool: Pool;
let sqs: SQSClient;
let queues: QueuePair;

beforeAll(async () => {
  pool = await appPool();
  sqs = sqsClient();
  queues = await createQueues(sqs);
});

afterAll(async () => {
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
      expect(await get('/metrics')).toMatchObject({
        status: 404,
        body: { error: { code: 'not_found' } },
      });
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
