import type { Pool } from '@echobase/infra/db';
import type { OrderPlaced } from '@echobase/infra/queue';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';

/** What the processor writes: `failed` when the product is missing or no longer sold. */
export type RecordedStatus = 'completed' | 'failed';

/**
 * `recorded`: the row is now there (inserted, or it was already there as this order and nothing
 * changed: a redelivery). `promoted`: the API had pre-written the row as `queued` and this write
 * moved it to its final status.
 */
export type RecordOutcome = 'recorded' | 'promoted';

/** A database call should never hold a batch for longer than this. */
const WRITE_TIMEOUT_MS = 10_000;

export function createOrdersRepository(pool: Pool) {
  return {
    /** `SELECT 1`, bounded: a database that accepts connections but does not answer is down. */
    async ping(timeoutMs = 2_000): Promise<void> {
      await pool.query({ sql: 'SELECT 1', timeout: timeoutMs });
    },

    /** Whether each product exists and is active; missing ids are absent from the map. */
    async productStates(ids: readonly number[]): Promise<Map<number, boolean>> {
      if (ids.length === 0) return new Map();
      const [rows] = await pool.query<RowDataPacket[]>({
        sql: 'SELECT id, active FROM products WHERE id IN (?)',
        values: [ids],
        timeout: WRITE_TIMEOUT_MS,
      });
      return new Map(rows.map((r) => [Number(r.id), Boolean(r.active)]));
    },

    /**
     * Writes the order exactly once: the order id is the primary key, so a redelivered message
     * changes nothing, except that a row the API pre-wrote as `queued` gets its final status.
     * One autocommitted statement: when this resolves, the write has committed.
     */
    async recordOrder(order: OrderPlaced, status: RecordedStatus): Promise<RecordOutcome> {
      const [result] = await pool.query<ResultSetHeader>({
        sql: `INSERT INTO orders
                (id, user_id, product_id, product_sku, product_name, unit_price, quantity, total,
                 status, idempotency_key, request_id, created_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
              ON DUPLICATE KEY UPDATE status = IF(status = 'queued', VALUES(status), status)`,
        values: [
          order.orderId,
          order.userId,
          order.productId,
          order.productSku,
          order.productName,
          order.unitPrice,
          order.quantity,
          order.total,
          status,
          order.idempotencyKey,
          order.requestId,
          new Date(order.placedAt),
        ],
        timeout: WRITE_TIMEOUT_MS,
      });
      // MariaDB counts an insert as 1 row and an update that changed the row as 2; with mysql2's
      // FOUND_ROWS flag an update that changed nothing also counts 1.
      return result.affectedRows === 2 ? 'promoted' : 'recorded';
    },
  };
}

export type OrdersRepository = ReturnType<typeof createOrdersRepository>;
