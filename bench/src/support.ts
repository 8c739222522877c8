import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import type { QueuePair } from '@echobase/infra/queue';
import { appEnvironment } from '@echobase/ops/app-env';
import { setupDurable } from '@echobase/ops/durable';
import { createReporter } from '@echobase/ops/report';
import type { Session } from '@echobase/test-kit/http';
import { createQueues, deleteQueues } from '@echobase/test-kit/queue';
import autocannon from 'autocannon';

/**
 * Benchmarks run against the ci durable layer (native; the switch benchmark in either runtime),
 * set up here if it is not running; the
 * helpers they share with the tests (pool, queues, signer, sessions, built apps, the results
 * file) are in @echobase/test-kit.
 */
export const settings = appEnvironment('ci', { operator: true });
// The SDK clients here and the apps started from here read these (emulator credentials, endpoint).
Object.assign(process.env, settings);

/** The ci durable layer, set up if it is not running: natively unless `runtime` says docker. */
export async function ensureDurable(runtime: 'native' | 'docker' = 'native'): Promise<void> {
  await setupDurable({ env: 'ci', runtime, report: createReporter(process.stderr) });
}

/** A fresh queue pair with the stack's visibility timeout, and a way to remove it. */
export async function freshQueues(
  sqs: SQSClient,
  label: string,
): Promise<QueuePair & { remove(): Promise<void> }> {
  const pair = await createQueues(sqs, {
    label: `bench-${label}`,
    visibilityTimeoutSeconds: 30,
  });
  return { ...pair, remove: () => deleteQueues(sqs, pair) };
}

/** `count` completed orders of the seeded Quantum Stabilizer for `userId`: a page to read. */
export async function seedCompletedOrders(pool: Pool, userId: number, count = 50): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => [
    randomUUID(),
    userId,
    1,
    'QS-001',
    'Quantum Stabilizer',
    '249.99',
    1,
    '249.99',
    'completed',
    `bench-${i}-${randomUUID()}`,
  ]);
  await pool.query(
    'INSERT INTO orders (id, user_id, product_id, product_sku, product_name, unit_price, quantity, total, status, idempotency_key) VALUES ?',
    [rows],
  );
}

/** The middle of the figures (the upper middle of an even count). */
export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export function print(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * `POST /api/v1/orders` on the API at `port` as one signed-in user for `seconds`, from
 * `connections` keep-alive connections, each order one of `productId` under a fresh
 * Idempotency-Key.
 */
export function postOrders(
  port: number,
  session: Session,
  load: { connections: number; seconds: number; productId: number },
): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: load.connections,
    duration: load.seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/orders',
        setupRequest: (req) => ({
          ...req,
          headers: {
            'content-type': 'application/json',
            cookie: session.cookie,
            'x-csrf-token': session.csrfToken,
            'idempotency-key': randomUUID(),
          },
          body: JSON.stringify({ productId: load.productId, quantity: 1 }),
        }),
      },
    ],
  });
}
