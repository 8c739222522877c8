/**
 * Processor drain rate: 10,000 valid orders queued before the order processor starts, then the
 * time until every one is a row in MariaDB. Prints orders/s and writes bench/results/processor-drain.json.
 * Usage: npm run bench:drain [-- --orders 10000]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { encodeOrderPlaced } from '@echobase/infra/queue';
import {
  appPool,
  ensureDurable,
  freshQueues,
  print,
  sqsClient,
  startApp,
  writeResults,
} from './support.js';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '10000' } } });
const total = Number(values.orders);
const HEALTH_PORT = 3299;

await ensureDurable();
const sqs = sqsClient();
const queues = await freshQueues(sqs, 'drain');
const pool = await appPool();

try {
  const [result] = await pool.query('INSERT INTO users (email, password_hash) VALUES (?, ?)', [
    `drain-${randomUUID()}@example.com`,
    'x',
  ]);
  const userId = (result as { insertId: number }).insertId;

  print([`processor drain: queueing ${total} orders…`]);
  const queueStarted = performance.now();
  let next = 0;
  const sender = async () => {
    while (next < total) {
      const batch = Array.from({ length: Math.min(10, total - next) }, () => {
        next++;
        return {
          Id: randomUUID(),
          MessageBody: encodeOrderPlaced({
            type: 'order.placed',
            version: 1,
            orderId: randomUUID(),
            userId,
            productId: 7,
            productSku: 'KB-202',
            productName: 'Keyboard',
            unitPrice: '49.99',
            quantity: 2,
            total: '99.98',
            idempotencyKey: randomUUID(),
            requestId: randomUUID(),
            placedAt: new Date().toISOString(),
          }),
        };
      });
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.queueUrl, Entries: batch }));
    }
  };
  await Promise.all(Array.from({ length: 8 }, sender));
  const queueSeconds = (performance.now() - queueStarted) / 1000;
  print([`  queued in ${queueSeconds.toFixed(1)} s; starting the processor`]);

  const started = performance.now();
  const processor = await startApp(
    'order-processor',
    { ORDERS_QUEUE_URL: queues.queueUrl, HEALTH_PORT: String(HEALTH_PORT) },
    `http://127.0.0.1:${HEALTH_PORT}/health/live`,
  );
  let written = 0;
  try {
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const [rows] = await pool.query('SELECT COUNT(*) AS n FROM orders WHERE user_id = ?', [
        userId,
      ]);
      written = Number((rows as { n: number }[])[0]?.n ?? 0);
      if (written >= total || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await processor.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const rate = written / seconds;
  const file = await writeResults('processor-drain', {
    orders: total,
    written,
    queueSeconds,
    drainSeconds: seconds,
    ordersPerSecond: rate,
  });
  print([
    `  drained ${written}/${total} orders in ${seconds.toFixed(1)} s: ${rate.toFixed(0)} orders/s (processor start included)`,
    `  written to ${file}`,
  ]);
  if (written < total) process.exitCode = 1;
} finally {
  await queues.remove();
  await pool.end();
  sqs.destroy();
}
