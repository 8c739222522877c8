import { type Pool, retryLockConflicts } from '@echobase/infra/db';
import { fromCents, type OrderPlaced, orderFingerprint, toCents } from '@echobase/infra/queue';
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

/** What the processor writes: `failed` when the product is no longer sold. */
export type RecordedStatus = 'completed' | 'failed';

/**
 * `recorded`: the row is now there (inserted, or it was already there as this order and nothing
 * changed: a redelivery). `promoted`: the API had pre-written the row as `queued` and this write
 * moved it to its final status. `conflict`: the row holds another order under the same id (one
 * Idempotency-Key, two bodies); it is left as it is and this body is kept in order_conflicts.
 */
export type RecordOutcome = 'recorded' | 'promoted' | 'conflict';

/** A product as the processor prices an order: from the database, never from the message. */
export interface CatalogueEntry {
  sku: string;
  name: string;
  /** Two-decimal string: money never becomes a float. */
  price: string;
  active: boolean;
}

/** An order left `queued` too long, claimed for re-publishing, rebuilt from its row. */
export interface StaleOrder {
  order: OrderPlaced;
  /** Re-publishes including this one. */
  attempt: number;
}

/** A database call should never hold a batch for longer than this. */
const WRITE_TIMEOUT_MS = 10_000;

const ORDER_COLUMNS = `id, user_id, product_id, product_sku, product_name, unit_price, quantity,
  total, idempotency_key, request_fingerprint, request_id, created_at`;

/** Rows written before fingerprints were stored get theirs from their columns. */
function fingerprintOf(row: RowDataPacket): string {
  return (
    row.request_fingerprint ??
    orderFingerprint({ productId: Number(row.product_id), quantity: Number(row.quantity) })
  );
}

function orderFromRow(row: RowDataPacket): OrderPlaced {
  return {
    type: 'order.placed',
    version: 2,
    orderId: row.id,
    userId: Number(row.user_id),
    productId: Number(row.product_id),
    productSku: row.product_sku,
    productName: row.product_name,
    unitPrice: String(row.unit_price),
    quantity: Number(row.quantity),
    total: String(row.total),
    idempotencyKey: row.idempotency_key,
    fingerprint: fingerprintOf(row),
    requestId: row.request_id ?? row.id,
    placedAt: new Date(row.created_at).toISOString(),
  };
}

export function createOrdersRepository(pool: Pool) {
  /**
   * One transaction on one connection, every statement bounded; the whole of it runs again if
   * it loses a deadlock. On any error the connection is destroyed, not handed back: that ends
   * the transaction (the server rolls it back) whatever state a timed-out statement left it in.
   */
  function inTransaction<T>(work: (conn: PoolConnection) => Promise<T>): Promise<T> {
    return retryLockConflicts(async () => {
      const conn = await pool.getConnection();
      const run = (sql: string) => conn.query({ sql, timeout: WRITE_TIMEOUT_MS });
      try {
        await run('START TRANSACTION');
        const result = await work(conn);
        await run('COMMIT');
        conn.release();
        return result;
      } catch (error) {
        conn.destroy();
        throw error;
      }
    });
  }

  return {
    /** `SELECT 1`, bounded: a database that accepts connections but does not answer is down. */
    async ping(timeoutMs = 2_000): Promise<void> {
      await pool.query({ sql: 'SELECT 1', timeout: timeoutMs });
    },

    /** The products of a batch, as they are now; missing ids are absent from the map. */
    async products(ids: readonly number[]): Promise<Map<number, CatalogueEntry>> {
      if (ids.length === 0) return new Map();
      const [rows] = await pool.query<RowDataPacket[]>({
        sql: 'SELECT id, sku, name, price, active FROM products WHERE id IN (?)',
        values: [ids],
        timeout: WRITE_TIMEOUT_MS,
      });
      return new Map(
        rows.map((r) => [
          Number(r.id),
          { sku: r.sku, name: r.name, price: String(r.price), active: Boolean(r.active) },
        ]),
      );
    },

    /**
     * Writes the order exactly once, priced from `product`: the order id is the primary key, so
     * a redelivered message changes nothing, except that a row the API pre-wrote as `queued`
     * gets its final status and price. A row under the same id with another body (or owner) is
     * never touched: that body is recorded as a conflict, once. Each statement autocommits, and
     * each is safe in any interleaving with another processor: a row's fingerprint never
     * changes, and only `queued` ever moves (to a final status).
     */
    async recordOrder(
      order: OrderPlaced,
      status: RecordedStatus,
      product: CatalogueEntry,
    ): Promise<RecordOutcome> {
      const total = fromCents(toCents(product.price) * order.quantity);
      const finish = `UPDATE orders
           SET status = ?, product_sku = ?, product_name = ?, unit_price = ?, total = ?
         WHERE id = ? AND user_id = ? AND status = 'queued'`;
      const finishValues = [status, product.sku, product.name, product.price, total];

      // The usual case: the API recorded the order as it accepted it.
      const [promoted] = await pool.query<ResultSetHeader>({
        sql: `${finish} AND request_fingerprint = ?`,
        values: [...finishValues, order.orderId, order.userId, order.fingerprint],
        timeout: WRITE_TIMEOUT_MS,
      });
      // mysql2 sets FOUND_ROWS: affectedRows counts the rows matched.
      if (promoted.affectedRows === 1) return 'promoted';

      try {
        await pool.query({
          sql: `INSERT INTO orders
                  (id, user_id, product_id, product_sku, product_name, unit_price, quantity, total,
                   status, idempotency_key, request_fingerprint, request_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          values: [
            order.orderId,
            order.userId,
            order.productId,
            product.sku,
            product.name,
            product.price,
            order.quantity,
            total,
            status,
            order.idempotencyKey,
            order.fingerprint,
            order.requestId,
            new Date(order.placedAt),
          ],
          timeout: WRITE_TIMEOUT_MS,
        });
        return 'recorded';
      } catch (error) {
        if ((error as { code?: string }).code !== 'ER_DUP_ENTRY') throw error;
      }

      // The row is there: this order again (a redelivery), or another body under its id.
      const [rows] = await pool.query<RowDataPacket[]>({
        sql: 'SELECT user_id, product_id, quantity, request_fingerprint FROM orders WHERE id = ?',
        values: [order.orderId],
        timeout: WRITE_TIMEOUT_MS,
      });
      const row = rows[0];
      if (!row) throw new Error(`order ${order.orderId} clashes with another order's key`);
      if (Number(row.user_id) !== order.userId || fingerprintOf(row) !== order.fingerprint) {
        await pool.query({
          sql: `INSERT IGNORE INTO order_conflicts
                  (order_id, user_id, idempotency_key, request_fingerprint, product_id, quantity,
                   request_id, placed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          values: [
            order.orderId,
            order.userId,
            order.idempotencyKey,
            order.fingerprint,
            order.productId,
            order.quantity,
            order.requestId,
            new Date(order.placedAt),
          ],
          timeout: WRITE_TIMEOUT_MS,
        });
        return 'conflict';
      }
      // A row written before fingerprints were stored may still be queued.
      const [late] = await pool.query<ResultSetHeader>({
        sql: finish,
        values: [...finishValues, order.orderId, order.userId],
        timeout: WRITE_TIMEOUT_MS,
      });
      return late.affectedRows === 1 ? 'promoted' : 'recorded';
    },

    /**
     * Claims up to `limit` orders that have been `queued` for `olderThanMs` (or that long since
     * their last re-publish) and fewer than `maxAttempts` times re-published: marks them and
     * returns them rebuilt from their rows. SKIP LOCKED: two processors (two colours) claim
     * different rows, and the mark keeps the other from claiming them again straight after.
     */
    claimStale(olderThanMs: number, limit: number, maxAttempts: number): Promise<StaleOrder[]> {
      return inTransaction(async (conn) => {
        const [rows] = await conn.query<RowDataPacket[]>({
          sql: `SELECT ${ORDER_COLUMNS}, republish_count FROM orders
                 WHERE status = 'queued' AND republish_count < ?
                   AND COALESCE(republished_at, created_at) <= UTC_TIMESTAMP(3) - INTERVAL ? MICROSECOND
                 ORDER BY created_at
                 LIMIT ?
                 FOR UPDATE SKIP LOCKED`,
          values: [maxAttempts, olderThanMs * 1000, limit],
          timeout: WRITE_TIMEOUT_MS,
        });
        if (rows.length === 0) return [];
        await conn.query({
          sql: `UPDATE orders SET republished_at = UTC_TIMESTAMP(3), republish_count = republish_count + 1
                 WHERE id IN (?)`,
          values: [rows.map((r) => r.id)],
          timeout: WRITE_TIMEOUT_MS,
        });
        return rows.map((row) => ({
          order: orderFromRow(row),
          attempt: Number(row.republish_count) + 1,
        }));
      });
    },

    /**
     * Gives back the attempt claimStale counted for orders whose message could not be sent
     * (the queue gone or the endpoint down): only a message that reached the queue uses one of
     * the MAX_REPUBLISHES. Their republished_at stays, so they wait the threshold again.
     */
    async returnAttempts(orderIds: readonly string[]): Promise<void> {
      if (orderIds.length === 0) return;
      await pool.query({
        sql: `UPDATE orders SET republish_count = republish_count - 1
               WHERE id IN (?) AND status = 'queued' AND republish_count > 0`,
        values: [orderIds],
        timeout: WRITE_TIMEOUT_MS,
      });
    },
  };
}

export type OrdersRepository = ReturnType<typeof createOrdersRepository>;
