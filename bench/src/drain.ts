/**
 * Processor drain rate, two figures:
 * - the processor's own rate: 10,000 orders through its batch handler (validate, look up the
 *   products, write each order exactly once) against the real MariaDB, in batches of 10 as SQS
 *   delivers them — what the processor can do with a fast queue;
 * - end to end: orders queued in moto before the processor process starts, then the time until
 *   every one is a row. moto's SQS does O(queue depth) work per call (measured: a 10-message
 *   receive+delete takes ~0.45 s at depth 1,000 and ~1.2 s at 3,000), so this run uses a smaller
 *   queue (--queued, default 1,000) and its figure is moto's, not the processor's.
 * Writes bench/results/processor-drain.json. Usage: npm run bench:drain [-- --orders 10000 --queued 1000]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type Message, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createLogger } from '@echobase/infra/logger';
import { signedOrderMessage } from '@echobase/infra/queue';
import { processBatch } from '@echobase/order-processor/dist/batch.js';
import { createOrdersRepository } from '@echobase/order-processor/dist/orders.repository.js';
import { writeResults } from '@echobase/test-kit/bench';
import { appPool } from '@echobase/test-kit/db';
import { orderFor, SEEDED } from '@echobase/test-kit/orders';
import { startApp } from '@echobase/test-kit/process';
import { orderSigner, sqsClient } from '@echobase/test-kit/queue';
import { ensureDurable, freshQueues, print } from './support.js';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '10000' },
    queued: { type: 'string', default: '1000' },
  },
});
const handlerOrders = Number(values.orders);
const total = Number(values.queued);
const HEALTH_PORT = 3299;

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

  print([`end to end through moto: queueing ${total} orders…`]);
  const queueStarted = performance.now();
  let next = 0;
  const sender = async () => {
    while (next < total) {
      const entries = Array.from({ length: Math.min(10, total - next) }, () => {
        next++;
        return { Id: randomUUID(), ...signed() };
      });
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.queueUrl, Entries: entries }));
    }
  };
  await Promise.all(Array.from({ length: 8 }, sender));
  const queueSeconds = (performance.now() - queueStarted) / 1000;
  print([`  queued in ${queueSeconds.toFixed(1)} s; starting the processor`]);

  const started = performance.now();
  const processor = await startApp('order-processor', {
    env: { ORDERS_QUEUE_URL: queues.queueUrl, HEALTH_PORT: String(HEALTH_PORT), LOG_LEVEL: 'warn' },
    readyUrl: `http://127.0.0.1:${HEALTH_PORT}/health/live`,
  });
  let drained = 0;
  try {
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const [rows] = await pool.query('SELECT COUNT(*) AS n FROM orders WHERE user_id = ?', [
        userId,
      ]);
      drained = Number((rows as { n: number }[])[0]?.n ?? 0) - handlerOrders;
      if (drained >= total || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await processor.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const rate = drained / seconds;
  const file = await writeResults('processor-drain', {
    batchHandler: { orders: handlerOrders, seconds: handlerSeconds, ordersPerSecond: handlerRate },
    endToEndThroughMoto: {
      orders: total,
      drained,
      queueSeconds,
      drainSeconds: seconds,
      ordersPerSecond: rate,
    },
  });
  print([
    `  drained ${drained}/${total} orders in ${seconds.toFixed(1)} s: ${rate.toFixed(0)} orders/s (processor start included; bound by moto)`,
    `  written to ${file}`,
  ]);
  if (drained < total) process.exitCode = 1;
} finally {
  await queues.remove();
  await pool.end();
  sqs.destroy();
}
