/**
 * The baseline for the reads benchmark: a bare Express + mysql2 handler running the same two
 * queries as GET /api/v1/orders, for a fixed user, with nothing else (no auth, no validation,
 * no logging). Started by reads.ts as its own process. Env: PORT, BENCH_USER_ID, and the ci
 * durable layer's settings (DB_*, AWS_*).
 */
import { appPool } from '@echobase/test-kit/db';
import express from 'express';

const pool = await appPool({ connectionLimit: 20 });
const userId = Number(process.env.BENCH_USER_ID);
const COLUMNS = `id AS orderId, product_id AS productId, product_sku AS productSku, product_name AS productName,
  unit_price AS unitPrice, quantity, total, status, created_at AS createdAt`;

const app = express();
app.get('/orders', async (_req, res) => {
  const [items] = await pool.query(
    `SELECT ${COLUMNS} FROM orders WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
    [userId, 20, 0],
  );
  const [count] = await pool.query('SELECT COUNT(*) AS n FROM orders WHERE user_id = ?', [userId]);
  res.json({ items, page: 1, pageSize: 20, total: Number((count as { n: number }[])[0]?.n ?? 0) });
});
app.get('/ready', (_req, res) => {
  res.send('ok');
});
app.listen(Number(process.env.PORT), '127.0.0.1');
