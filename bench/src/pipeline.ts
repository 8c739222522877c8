/**
 * The whole order pipeline, accept → completed: the built API gateway and order processor, as a
 * colour runs them, against the ci durable layer, at three queue depths. For each depth the
 * colour's queue first holds that many orders (queued while the processor is stopped); then the
 * processor starts and orders are posted through the API for --seconds. The figure is every
 * order of the run, backlog and new, completed per second: from the first post until the last
 * one is a `completed` row. Target: ≥ 500 orders/s on this project's 2-core machine.
 * Writes bench/results/pipeline.json. Usage:
 *   npm run bench:pipeline [-- --seconds 10 --connections 16 --depths 0,1000,10000]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
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
    depths: { type: 'string', default: '0,1000,10000' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const depths = values.depths.split(',').map(Number);
if (!(seconds > 0) || !(connections > 0) || depths.some((d) => !Number.isInteger(d) || d < 0)) {
  process.stderr.write(
    'bench:pipeline: --seconds and --connections must be positive, --depths whole numbers\n',
  );
  process.exit(2);
}
const API_PORT = 3296;
const HEALTH_PORT = 3297;
const TARGET = 500;

await ensureDurable();
const sqs = sqsClient();
const pool = await appPool({ connectionLimit: 4 });
const signer = await orderSigner();

async function completed(userId: number): Promise<number> {
  const [rows] = await pool.query(
    "SELECT COUNT(*) AS n FROM orders WHERE user_id = ? AND status = 'completed'",
    [userId],
  );
  return Number((rows as { n: number }[])[0]?.n ?? 0);
}

async function queueBacklog(queueUrl: string, userId: number, depth: number): Promise<void> {
  let next = 0;
  const sender = async () => {
    while (next < depth) {
      const entries = Array.from({ length: Math.min(10, depth - next) }, () => {
        next++;
        return {
          Id: randomUUID(),
          ...signedOrderMessage(orderFor(userId, SEEDED.keyboard, 1), signer),
        };
      });
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
  };
  await Promise.all(Array.from({ length: 8 }, sender));
}

interface DepthResult {
  depth: number;
  accepted: number;
  refused: number;
  acceptedPerSecond: number;
  ordersCompleted: number;
  secondsToLastCompleted: number;
  ordersPerSecond: number;
}

async function atDepth(depth: number): Promise<DepthResult> {
  const queues = await freshQueues(sqs, `pipeline-${depth}`);
  const env = {
    ORDERS_QUEUE_URL: queues.queueUrl,
    PORT: String(API_PORT),
    HEALTH_PORT: String(HEALTH_PORT),
    LOG_LEVEL: 'warn',
  };
  const api = await startApp('api-gateway', {
    env,
    readyUrl: `http://127.0.0.1:${API_PORT}/health/ready`,
  });
  let processor: Awaited<ReturnType<typeof startApp>> | undefined;
  try {
    const session = await signUp(`http://127.0.0.1:${API_PORT}`, 'pipeline');
    await queueBacklog(queues.queueUrl, session.userId, depth);
    processor = await startApp('order-processor', {
      env,
      readyUrl: `http://127.0.0.1:${HEALTH_PORT}/health/live`,
    });
    const started = performance.now();
    const load = await postOrders(API_PORT, session, {
      connections,
      seconds,
      productId: SEEDED.keyboard.id,
    });
    const accepted = load['2xx'];
    const expected = depth + accepted;
    const deadline = Date.now() + 15 * 60_000;
    let done = await completed(session.userId);
    while (done < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      done = await completed(session.userId);
    }
    const elapsed = (performance.now() - started) / 1000;
    if (done < expected) throw new Error(`only ${done} of ${expected} orders completed`);
    return {
      depth,
      accepted,
      refused: load.non2xx + load.errors,
      acceptedPerSecond: accepted / seconds,
      ordersCompleted: done,
      secondsToLastCompleted: elapsed,
      ordersPerSecond: done / elapsed,
    };
  } finally {
    await processor?.stop();
    await api.stop();
    await queues.remove();
  }
}

try {
  print([
    `order pipeline (accept → completed): ${connections} connections posting for ${seconds} s at each depth`,
  ]);
  const results: DepthResult[] = [];
  for (const depth of depths) {
    const r = await atDepth(depth);
    results.push(r);
    print([
      `  depth ${String(depth).padStart(6)}: ${r.ordersCompleted} orders completed in ${r.secondsToLastCompleted.toFixed(1)} s: ${r.ordersPerSecond.toFixed(0)} orders/s (API accepted ${r.acceptedPerSecond.toFixed(0)}/s, ${r.refused} refused)`,
    ]);
  }
  const met = results.every((r) => r.ordersPerSecond >= TARGET && r.refused === 0);
  const file = await writeResults('pipeline', {
    seconds,
    connections,
    depths: results,
    target: TARGET,
    met,
  });
  print([
    `  target ≥ ${TARGET} orders/s at every depth: ${met ? 'met' : 'NOT met'}`,
    `  written to ${file}`,
  ]);
} finally {
  await pool.end();
  sqs.destroy();
}
