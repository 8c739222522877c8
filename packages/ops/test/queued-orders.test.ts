import { randomUUID } from 'node:crypto';
import type { Connection, ResultSetHeader } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyConnection } from '../src/deploy/history.js';
import { cli } from './support.js';

/** `echobase status` shows how long the oldest queued order has waited, in text and JSON. */
let conn: Connection;
let userId: number;
const orderId = randomUUID();

beforeAll(async () => {
  conn = await historyConnection('ci');
  const [user] = await conn.query<ResultSetHeader>(
    'INSERT INTO users (email, password_hash) VALUES (?, ?)',
    [`status-${randomUUID()}@example.com`, 'not-a-hash'],
  );
  userId = user.insertId;
  // Accepted two hours ago and still queued; re-published as often as processors ever do, so
  // no running processor picks it up while the test looks at it.
  await conn.query(
    `INSERT INTO orders (id, user_id, product_id, product_sku, product_name, unit_price, quantity,
       total, status, idempotency_key, request_id, created_at, republish_count)
     VALUES (?, ?, 2, 'PC-042', 'Plasma Conduit', '89.50', 1, '89.50', 'queued', ?, 'req-status',
       UTC_TIMESTAMP(3) - INTERVAL 2 HOUR, 5)`,
    [orderId, userId, `status-${randomUUID()}`],
  );
});

afterAll(async () => {
  await conn.query('DELETE FROM orders WHERE user_id = ?', [userId]);
  await conn.query('DELETE FROM users WHERE id = ?', [userId]);
  await conn.end();
});

describe('echobase status: queued orders', () => {
  it('reports the oldest queued order age (--json and text)', async () => {
    const json = await cli(['status', '--env', 'ci', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const orders = JSON.parse(json.stdout).orders as {
      queued: number;
      oldestQueuedSeconds: number;
    };
    expect(orders.queued).toBeGreaterThanOrEqual(1);
    expect(orders.oldestQueuedSeconds).toBeGreaterThanOrEqual(2 * 3600);

    const text = await cli(['status', '--env', 'ci']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ {2}orders: \d+ queued, the oldest for (\d+h\d\dm|\d+d\d\dh)$/m);
  });
});
