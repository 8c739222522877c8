/**
 * Order intake: POST /api/v1/orders through the API gateway, as a ratio of a bare AWS SDK
 * SendMessage loop against the same SQS endpoint (ElasticMQ), at the same concurrency and
 * duration.
 * Target: ratio ≥ 0.8. Usage: npm run bench:intake [-- --seconds 10 --connections 16]
 */
import { parseArgs } from 'node:util';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { signedOrderMessage } from '@echobase/infra/queue';
import { writeResults } from '@echobase/test-kit/bench';
import { appPool } from '@echobase/test-kit/db';
import { signUp } from '@echobase/test-kit/http';
import { orderFor, SEEDED } from '@echobase/test-kit/orders';
import { startApp } from '@echobase/test-kit/process';
import { orderSigner, sqsClient } from '@echobase/test-kit/queue';
import { ensureDurable, freshQueues, postOrders, print } from './support.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const API_PORT = 3295;
const WARM_UP_SECONDS = 5;

await ensureDurable();
const sqs = sqsClient();
const signer = await orderSigner();
const bareQueues = await freshQueues(sqs, 'bare');
const apiQueues = await freshQueues(sqs, 'api');

async function bareLoop(
  forSeconds = seconds,
): Promise<{ perSecond: number; sent: number; errors: number }> {
  let sent = 0;
  let errors = 0;
  const until = Date.now() + forSeconds * 1000;
  const worker = async () => {
    while (Date.now() < until) {
      // Encoded and signed, as the API does for every order.
      const message = signedOrderMessage(orderFor(1, SEEDED.quantumStabilizer, 1), signer);
      try {
        await sqs.send(new SendMessageCommand({ QueueUrl: bareQueues.queueUrl, ...message }));
        sent++;
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  return { perSecond: sent / ((performance.now() - started) / 1000), sent, errors };
}

async function apiLoad(): Promise<{
  perSecond: number;
  accepted: number;
  errors: number;
  p99Ms: number;
}> {
  const api = await startApp('api-gateway', {
    env: { ORDERS_QUEUE_URL: apiQueues.queueUrl, PORT: String(API_PORT), LOG_LEVEL: 'warn' },
    readyUrl: `http://127.0.0.1:${API_PORT}/health/ready`,
  });
  let userId: number | undefined;
  try {
    const session = await signUp(`http://127.0.0.1:${API_PORT}`, 'bench');
    userId = session.userId;
    const result = await postOrders(API_PORT, session, {
      connections,
      seconds,
      productId: SEEDED.quantumStabilizer.id,
    });
    const accepted = result['2xx'];
    return {
      perSecond: accepted / seconds,
      accepted,
      errors: result.non2xx + result.errors,
      p99Ms: result.latency.p99,
    };
  } finally {
    await api.stop();
    // Its orders stay `queued` (nothing consumes this queue): removed, or every processor on ci
    // would re-publish them, ahead of newer orders, for the next minutes.
    if (userId !== undefined) {
      const pool = await appPool({ connectionLimit: 1 });
      await pool.query('DELETE FROM orders WHERE user_id = ?', [userId]).finally(() => pool.end());
    }
  }
}

try {
  print([`order intake: ${connections} concurrent senders for ${seconds} s each`]);
  // Unmeasured: a freshly started endpoint (a JVM) is slower until its code is compiled, which
  // would flatter the ratio of whichever side runs second.
  await bareLoop(WARM_UP_SECONDS);
  const bare = await bareLoop();
  print([
    `  bare SDK SendMessage loop: ${bare.perSecond.toFixed(0)} messages/s (${bare.errors} errors)`,
  ]);
  const api = await apiLoad();
  print([
    `  POST /api/v1/orders:       ${api.perSecond.toFixed(0)} orders/s (${api.errors} errors, p99 ${api.p99Ms} ms)`,
  ]);
  const ratio = api.perSecond / bare.perSecond;
  const file = await writeResults('order-intake', {
    seconds,
    connections,
    bare,
    api,
    ratio,
    target: 0.8,
    met: ratio >= 0.8,
  });
  print([
    `  ratio ${ratio.toFixed(2)} (target ≥ 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'})`,
    `  written to ${file}`,
  ]);
} finally {
  await bareQueues.remove();
  await apiQueues.remove();
  sqs.destroy();
}
