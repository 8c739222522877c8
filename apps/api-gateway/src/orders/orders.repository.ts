import type { Pool } from '@echobase/infra/db';
import { type OrderPlaced, orderFingerprint } from '@echobase/infra/queue';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { OrderView } from './orders.schemas.js';

export type Reservation =
  | { outcome: 'reserved' }
  | { outcome: 'exists'; status: OrderView['status']; fingerprint: string }
  | { outcome: 'skipped' };

const COLUMNS = `id AS orderId, product_id AS productId, product_sku AS productSku, product_name AS productName,
  unit_price AS unitPrice, quantity, total, status, created_at AS createdAt`;

function toView(row: RowDataPacket): OrderView {
  return {
    orderId: row.orderId,
    productId: Number(row.productId),
    productSku: row.productSku,
    productName: row.productName,
    unitPrice: String(row.unitPrice),
    quantity: Number(row.quantity),
    total: String(row.total),
    status: row.status,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

export function createOrdersRepository(pool: Pool) {
  return {
    async findOwn(orderId: string, userId: number): Promise<OrderView | null> {
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT ${COLUMNS} FROM orders WHERE id = ? AND user_id = ?`,
        [orderId, userId],
      );
      return rows[0] ? toView(rows[0]) : null;
    },

    async listOwn(
      userId: number,
      page: number,
      pageSize: number,
    ): Promise<{ items: OrderView[]; total: number }> {
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT ${COLUMNS} FROM orders WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
        [userId, pageSize, (page - 1) * pageSize],
      );
      const [count] = await pool.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM orders WHERE user_id = ?',
        [userId],
      );
      return { items: rows.map(toView), total: Number(count[0]?.n ?? 0) };
    },

    /**
     * Records an accepted order as queued before its message is sent, so its owner sees it at
     * once and a lost message is re-published from it. Never overwrites a row: if the order id
     * is taken (the same Idempotency-Key again, or the processor was first), answers with what
     * that row was accepted for. `skipped` when the insert was ignored for another reason (a
     * product deleted since the catalogue was read): the message then speaks for the order.
     */
    async reserve(m: OrderPlaced): Promise<Reservation> {
      const [result] = await pool.query<ResultSetHeader>(
        `INSERT IGNORE INTO orders
           (id, user_id, product_id, product_sku, product_name, unit_price, quantity, total, status,
            idempotency_key, request_fingerprint, request_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)`,
        [
          m.orderId,
          m.userId,
          m.productId,
          m.productSku,
          m.productName,
          m.unitPrice,
          m.quantity,
          m.total,
          m.idempotencyKey,
          m.fingerprint,
          m.requestId,
          new Date(m.placedAt),
        ],
      );
      if (result.affectedRows === 1) return { outcome: 'reserved' };
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT product_id, quantity, status, request_fingerprint FROM orders WHERE id = ? AND user_id = ?`,
        [m.orderId, m.userId],
      );
      const row = rows[0];
      if (!row) return { outcome: 'skipped' };
      return {
        outcome: 'exists',
        status: row.status,
        // Rows written before fingerprints were stored get theirs from their columns.
        fingerprint:
          row.request_fingerprint ??
          orderFingerprint({ productId: Number(row.product_id), quantity: Number(row.quantity) }),
      };
    },
  };
}
export type OrdersRepository = ReturnType<typeof createOrdersRepository>;
