/**
 * Processor drain rate:
 * - the processor's own rate: 10,000 orders through its batch handler (validate, look up the
 *   products, write each order exactly once) against the real MariaDB, in batches of 10 as SQS
 *   delivers them;
 * - end to end on the SQS endpoint: --queued orders (10,000) drained first by a bare loop of the
 *   processor's own SQS calls (receive 10, delete batch) with as many loops as it polls with,
 *   then, queued again, by the built processor until every one is a row.
 * Target: processor ÷ bare loop ≥ 0.7. Writes bench/results/processor-drain.json.
 * Usage: npm run bench:drain [-- --orders 10000 --queued 10000]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { createLogger } from '@echobase/infra/logger';
import { signedOrderMessage } from '@echobase/infra/queue';
import { processBatch } from '@echobase/order-processor/dist/batch.js';
import { createOrdersRepository } from '@echobase/order-processor/dist/orders.repository.js';
import { DEFAULT_POLLERS } from '@echobase/order-processor/dist/processor.js';
import { writeResults } from '@echobase/test-kit/bench';
import { appPool } from '@echobase/test-kit/db';
import { orderFor, SEEDED } from '@echobase/test-kit/orders';
import { startApp } from '@echobase/test-kit/process';
import { orderSigner, sqsClient } from '@echobase/test-kit/queue';
import { ensureDurable, freshQueues, print } from './support.js';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '10000' },
    queued: { type: 'string', default: '10000' },
  },
});
const handlerOrders = Number(values.orders);
const total = Number(values.queued);
const HEALTH_PORT = 3299;
/** The bare loop runs as many loops as the processor. */
const PROCESSOR_CONSUMERS = DEFAULT_POLLERS;

await ensureDurable();
const sqs = sqsClient();
const queues = await freshQueues(sqs, 'drain');
const pool = await appPool({ connectionLimit: 20 });
const signer = await orderSigner();

try {
  const [result] = await pool.query('INSERT INTO users (email, password_hash) VALUES (?, ?)', [
    `drain-${randomUUID()}@example.com`,
    'x',
  ]);
  const userId = (result as { insertId: number }).insertId;
  const signed = () => signedOrderMessage(orderFor(userId, SEEDED.keyboard, 2), signer);

  print([`processor batch handler: ${handlerOrders} orders in batches of 10 against MariaDB…`]);
  const repository = createOrdersRepository(pool);
  const logger = createLogger({ name: 'bench', level: 'silent' });
  const handlerStarted = performance.now();
  let handled = 0;
  while (handled < handlerOrders) {
    const batch: Message[] = Array.from({ length: Math.min(10, handlerOrders - handled) }, () => {
      const { MessageBody, MessageAttributes } = signed();
      return { MessageId: randomUUID(), Body: MessageBody, MessageAttributes };
    });
    const { done } = await processBatch(batch, { repository, signer, logger });
    if (done.length !== batch.length)
      throw new Error('the batch handler did not write every order');
    handled += batch.length;
  }
  const handlerSeconds = (performance.now() - handlerStarted) / 1000;
  const handlerRate = handlerOrders / handlerSeconds;
  print([
    `  ${handlerOrders} orders written in ${handlerSeconds.toFixed(1)} s: ${handlerRate.toFixed(0)} orders/s`,
  ]);

  print([`end to end on the SQS endpoint, ${total} orders queued each time`]);
  const fill = async () => {
    let next = 0;
    const sender = async () => {
      while (next < total) {
        const entries = Array.from({ length: Math.min(10, total - next) }, () => {
          next++;
          return { Id: randomUUID(), ...signed() };
        });
        await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queues.queueUrl, Entries: entries }),
        );
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: 8 }, sender));
    return (performance.now() - started) / 1000;
  };

  // The bar: the same queue drained by a bare loop of the processor's own calls, with its
  // concurrency (receive 10 with a long poll, then one delete batch), and no work in between.
  const rawQueueSeconds = await fill();
  const rawStarted = performance.now();
  let rawDrained = 0;
  const consumer = async () => {
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      if (Messages.length === 0) return;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queues.queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      rawDrained += Messages.length;
    }
  };
  await Promise.all(Array.from({ length: PROCESSOR_CONSUMERS }, consumer));
  // The last empty long poll is not drain time.
  const rawSeconds = (performance.now() - rawStarted) / 1000 - 1;
  const rawRate = rawDrained / rawSeconds;
  print([
    `  bare receive + delete-batch loop: ${rawDrained} in ${rawSeconds.toFixed(1)} s: ${rawRate.toFixed(0)} messages/s (queued in ${rawQueueSeconds.toFixed(1)} s)`,
  ]);

  const queueSeconds = await fill();
  const processor = await startApp('order-processor', {
    env: { ORDERS_QUEUE_URL: queues.queueUrl, HEALTH_PORT: String(HEALTH_PORT), LOG_LEVEL: 'warn' },
    readyUrl: `http://127.0.0.1:${HEALTH_PORT}/health/live`,
  });
  const started = performance.now();
  let drained = 0;
  try {
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const [rows] = await pool.query('SELECT COUNT(*) AS n FROM orders WHERE user_id = ?', [
        userId,
      ]);
      drained = Number((rows as { n: number }[])[0]?.n ?? 0) - handlerOrders;
      if (drained >= total || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await processor.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const rate = drained / seconds;
  const ratio = rate / rawRate;
  const file = await writeResults('processor-drain', {
    batchHandler: { orders: handlerOrders, seconds: handlerSeconds, ordersPerSecond: handlerRate },
    bareLoop: { messages: rawDrained, seconds: rawSeconds, messagesPerSecond: rawRate },
    processor: {
      orders: total,
      drained,
      queueSeconds,
      drainSeconds: seconds,
      ordersPerSecond: rate,
    },
    ratio,
    target: 0.7,
    met: ratio >= 0.7,
  });
  print([
    `  processor: ${drained}/${total} orders written in ${seconds.toFixed(1)} s: ${rate.toFixed(0)} orders/s (from its readiness)`,
    `  ratio ${ratio.toFixed(2)} (target ≥ 0.7: ${ratio >= 0.7 ? 'met' : 'NOT met'})`,
    `  written to ${file}`,
  ]);
  if (drained < total) process.exitCode = 1;
} finally {
  await queues.remove();
  await pool.end();
  sqs.destroy();
}
