import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { ensureQueuePair, type QueuePair, queueDepth } from '@echobase/infra/queue';
import { appPool, Fixtures } from '@echobase/test-kit/db';
import { INVALID_ORDER_REASON, invalidOrderBody, orderFor } from '@echobase/test-kit/orders';
import { deleteQueues, sendBody, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colourNames } from '../src/plan.js';
import { cli } from './support.js';

/** `echobase dlq` on a colour's real dead-letter queue in ci, with a message the processor refused. */
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

/** Pages through a queue without keeping anything (visibility 0), looking for a body. */
async function findBody(url: string, body: string): Promise<Message | undefined> {
  for (let page = 0; page < 20; page += 1) {
    const out = await sqs.send(
      // A short poll: the queue's own long poll (20 s) outlasts the client's request timeout.
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 5,
        WaitTimeSeconds: 0,
      }),
    );
    const found = out.Messages?.find((m) => m.Body === body);
    if (found) return found;
    if (!out.Messages?.length) return undefined;
  }
  return undefined;
}

describe('echobase dlq (native, ci)', () => {
  it('echobase dlq: list shows it, purge without a terminal refuses, redrive sends it back', async () => {
    // The colour's real queue names in ci; made here (and removed) unless a ci stack has them.
    // No blue processor may read them meanwhile: it would take the redriven message.
    expect((await cli(['stack', 'down', 'blue', '--env', 'ci'])).code).toBe(0);
    const names = colourNames('ci', 'blue');
    const existed = await sqs.send(new GetQueueUrlCommand({ QueueName: names.queue })).then(
      () => true,
      () => false,
    );
    const queues: QueuePair = await ensureQueuePair(sqs, {
      name: names.queue,
      deadLetterName: names.deadLetterQueue,
      ...(existed ? {} : { visibilityTimeoutSeconds: 2 }),
    }).catch(async () => ({
      // It exists with other settings (a deployed stack): use it as it is.
      queueUrl: (await sqs.send(new GetQueueUrlCommand({ QueueName: names.queue })))
        .QueueUrl as string,
      deadLetterQueueUrl: (
        await sqs.send(new GetQueueUrlCommand({ QueueName: names.deadLetterQueue }))
      ).QueueUrl as string,
    }));
    try {
      // What the queue's redrive policy does with an invalid order (the processor's poison
      // test), put straight into this colour's DLQ.
      const order = orderFor(await fixtures.user());
      const body = invalidOrderBody(order);
      await sendBody(sqs, queues.deadLetterQueueUrl, body);

      const list = await cli(['dlq', 'list', 'blue', '--env', 'ci', '--json']);
      expect(list.code, list.stderr).toBe(0);
      const listed = JSON.parse(list.stdout) as {
        queue: string;
        messages: Record<string, unknown>[];
      };
      expect(listed.queue).toBe(names.deadLetterQueue);
      const entry = listed.messages.find((m) => m.reason === INVALID_ORDER_REASON);
      expect(entry).toMatchObject({ receiveCount: expect.any(Number), sentAt: expect.any(String) });
      expect(entry?.orderId).toBeUndefined();
      // Listing leaves it there, visible.
      expect((await queueDepth(sqs, queues.deadLetterQueueUrl)).visible).toBeGreaterThanOrEqual(1);

      const text = await cli(['dlq', 'list', 'blue', '--env', 'ci']);
      expect(text.stdout).toContain(`not an order: ${INVALID_ORDER_REASON}`);

      const refused = await cli(['dlq', 'purge', 'blue', '--env', 'ci']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        `echobase: refusing to purge ${names.deadLetterQueue} without confirmation: no terminal to ask on; pass --yes\n`,
      );
      expect((await queueDepth(sqs, queues.deadLetterQueueUrl)).visible).toBeGreaterThanOrEqual(1);

      const redrive = await cli(['dlq', 'redrive', 'blue', '--env', 'ci']);
      expect(redrive.code, redrive.stderr).toBe(0);
      expect(redrive.stdout).toMatch(
        new RegExp(
          `^moved [1-9]\\d* message\\(s\\) from ${names.deadLetterQueue} to ${names.queue}\\n$`,
        ),
      );
      expect(await findBody(queues.deadLetterQueueUrl, body)).toBeUndefined();
      const back = await findBody(queues.queueUrl, body);
      expect(back).toBeDefined();
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queues.queueUrl, ReceiptHandle: back?.ReceiptHandle }),
      );
      expect(await fixtures.orders([order.orderId])).toEqual([]);

      // With --yes it purges, and says how many.
      await sendBody(sqs, queues.deadLetterQueueUrl, body);
      const purge = await cli(['dlq', 'purge', 'blue', '--env', 'ci', '--yes']);
      expect(purge.code, purge.stderr).toBe(0);
      expect(purge.stdout).toMatch(
        new RegExp(`^purged ${names.deadLetterQueue} \\([1-9]\\d* message\\(s\\)\\)\\n$`),
      );
      expect(await queueDepth(sqs, queues.deadLetterQueueUrl)).toMatchObject({
        visible: 0,
        inFlight: 0,
      });
    } finally {
      if (!existed) await deleteQueues(sqs, queues);
    }
  });

  it('echobase dlq: a colour without queues and an unknown colour get one clear line', async () => {
    const names = colourNames('ci', 'green');
    const deployed = await sqs
      .send(new GetQueueUrlCommand({ QueueName: names.deadLetterQueue }))
      .then(
        () => true,
        () => false,
      );
    if (!deployed) {
      const missing = await cli(['dlq', 'list', 'green', '--env', 'ci']);
      expect(missing).toMatchObject({
        code: 1,
        stdout: '',
        stderr: 'echobase: no DLQ for green in ci: is the green stack deployed?\n',
      });
    }
    const unknown = await cli(['dlq', 'redrive', 'purple', '--env', 'ci']);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: "echobase: unknown colour 'purple' (expected blue or green)\n",
    });
  });
});
