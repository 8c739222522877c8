import type { Pool } from '@echobase/infra/db';
import type { OrderPlaced } from '@echobase/infra/queue';
import type { RowDataPacket } from 'mysql2/promise';
import type { OrderView } from './orders.schemas.js';

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
     * Records an accepted order as queued so its owner sees it at once. The processor's write
     * wins whichever comes first: this never overwrites an existing row.
     */
    async insertQueued(m: OrderPlaced): Promise<void> {
      await pool.query(
        `INSERT IGNORE INTO orders
           (id, user_id, product_id, product_sku, product_name, unit_price, quantity, total, status, idempotency_key, request_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
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
          m.requestId,
          new Date(m.placedAt),
        ],
      );
    },
  };
}
export type OrdersRepository = ReturnType<typeof createOrdersRepository>;
