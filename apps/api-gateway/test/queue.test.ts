import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { decodeOrderPlaced, type QueuePair } from '@echobase/infra/queue';
import { orderFor } from '@echobase/test-kit/orders';
import { createQueues, deleteQueues, orderSigner, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderProducer } from '../src/orders/orders.queue.js';

/** The order producer against the real ci SQS endpoint: batched underneath, every order once. */
let sqs: SQSClient;
let queues: QueuePair;

beforeAll(async () => {
  sqs = sqsClient();
  queues = await createQueues(sqs);
});

afterAll(async () => {
  await deleteQueues(sqs, queues);
  sqs.destroy();
});

describe('order producer on the SQS endpoint', () => {
  it('puts 45 orders sent at once on the queue exactly once each, in fewer calls', async () => {
    const calls: string[] = [];
    const counted = sqsClient();
    counted.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const producer = createOrderProducer(counted, queues.queueUrl, await orderSigner());
    const orders = Array.from({ length: 45 }, () => orderFor(1));
    await Promise.all(orders.map((o) => producer.send(o)));
    counted.destroy();

    expect(new Set(calls)).toEqual(new Set(['SendMessageBatchCommand']));
    expect(calls.length).toBeLessThan(orders.length / 2);
    const received: string[] = [];
    for (let empty = 0; empty < 2; ) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 60,
        }),
      );
      if (Messages.length === 0) empty += 1;
      for (const m of Messages) {
        const decoded = decodeOrderPlaced(m.Body);
        if (decoded.ok) received.push(decoded.message.orderId);
      }
    }
    expect(received.sort()).toEqual(orders.map((o) => o.orderId).sort());
  });
});
