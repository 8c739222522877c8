import { randomUUID } from 'node:crypto';
import {
  DeleteQueueCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  createOrderSigner,
  createSqsClient,
  ensureQueuePair,
  type OrderPlaced,
  type OrderSigner,
  type QueuePair,
  signedOrderMessage,
} from '@echobase/infra/queue';
import { orderSigningSecretSchema } from '@echobase/infra/secrets';
import { durableEnv, readSecret, sqsConfig } from '../env/index.js';

export function sqsClient(): SQSClient {
  return createSqsClient(sqsConfig());
}

/**
 * A fresh, uniquely named queue pair (redrive to the DLQ after 3 receives), so a test never
 * reads another's messages. The short default visibility timeout makes redeliveries quick.
 */
export async function createQueues(
  sqs: SQSClient,
  { visibilityTimeoutSeconds = 2, label = 'test' } = {},
): Promise<QueuePair> {
  const name = `echobase-${label}-${randomUUID().slice(0, 8)}`;
  return ensureQueuePair(sqs, { name, deadLetterName: `${name}-dlq`, visibilityTimeoutSeconds });
}

export async function deleteQueues(sqs: SQSClient, queues: QueuePair): Promise<void> {
  for (const url of [queues.queueUrl, queues.deadLetterQueueUrl]) {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
  }
}

let signer: Promise<OrderSigner> | undefined;

/** Signs as the API does, with the environment's key (a spawned app reads the same). */
export function orderSigner(): Promise<OrderSigner> {
  signer ??= readSecret(durableEnv().ORDER_SIGNING_SECRET_NAME, orderSigningSecretSchema).then(
    createOrderSigner,
  );
  return signer;
}

/** A body sent as it is, unsigned: what a process that can only reach the queue can send. */
export async function sendBody(sqs: SQSClient, url: string, body: string): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
}

/** Any body, signed with the environment's key: what only the API (or a bug in it) sends. */
export async function sendSignedBody(sqs: SQSClient, url: string, body: string): Promise<void> {
  const MessageAttributes = (await orderSigner()).sign(body);
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes }));
}

/** An order message as the API sends it: encoded and signed. */
export async function sendOrder(sqs: SQSClient, url: string, order: OrderPlaced): Promise<void> {
  await sqs.send(
    new SendMessageCommand({ QueueUrl: url, ...signedOrderMessage(order, await orderSigner()) }),
  );
}

/** Up to 10 orders in one SendMessageBatch, so one receive can get them all as one batch. */
export async function sendOrders(
  sqs: SQSClient,
  url: string,
  orders: readonly OrderPlaced[],
): Promise<void> {
  const signer = await orderSigner();
  const out = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: orders.map((o, i) => ({ Id: String(i), ...signedOrderMessage(o, signer) })),
    }),
  );
  if ((out.Failed ?? []).length > 0) throw new Error('SendMessageBatch refused some messages');
}
