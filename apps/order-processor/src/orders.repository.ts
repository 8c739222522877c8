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

/** One order to write, with the status and catalogue entry the processor priced it from. */
export interface OrderWrite {
  order: OrderPlaced;
  status: RecordedStatus;
  product: CatalogueEntry;
}

/** What a row under an order id holds, as far as writing the order is concerned. */
export interface RowState {
  userId: number;
  fingerprint: string;
  status: string;
}

export interface OrderWritePlan {
  /** Ids with no row yet: inserted with their final status. */
  inserts: OrderWrite[];
  /** Rows the API pre-wrote as `queued` for this very order: moved to their final status. */
  promotions: OrderWrite[];
  /** Bodies that lost to another order under the same id: kept in order_conflicts. */
  conflicts: OrderPlaced[];
  /** Per write, in order. */
  outcomes: RecordOutcome[];
}

/**
 * Decides a batch's writes from the rows already under its order ids (locked by the caller).
 * A row is this order when its owner and request fingerprint match; only `queued` ever moves.
 * The same id twice in one batch (a message and its re-publish) is decided against what the
 * first one leaves. Pure: the repository runs the plan.
 */
export function planOrderWrites(
  rows: ReadonlyMap<string, RowState>,
  writes: readonly OrderWrite[],
): OrderWritePlan {
  const state = new Map([...rows].map(([id, row]) => [id, { ...row }]));
  const plan: OrderWritePlan = { inserts: [], promotions: [], conflicts: [], outcomes: [] };
  for (const write of writes) {
    const { order } = write;
    const row = state.get(order.orderId);
    if (row === undefined) {
      plan.inserts.push(write);
      plan.outcomes.push('recorded');
      state.set(order.orderId, {
        userId: order.userId,
        fingerprint: order.fingerprint,
        status: write.status,
      });
    } else if (row.userId !== order.userId || row.fingerprint !== order.fingerprint) {
      plan.conflicts.push(order);
      plan.outcomes.push('conflict');
    } else if (row.status === 'queued') {
      plan.promotions.push(write);
      plan.outcomes.push('promoted');
      row.status = write.status;
    } else {
      plan.outcomes.push('recorded');
    }
  }
  return plan;
}

function totalOf(product: CatalogueEntry, order: OrderPlaced): string {
  return fromCents(toCents(product.price) * order.quantity);
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
     * Writes a batch of orders exactly once, in one transaction (one commit for the batch), each
     * priced from its `product`: the order id is the primary key, so a redelivered message
     * changes nothing, except that a row the API pre-wrote as `queued` gets its final status and
     * price. A row under the same id with another body (or owner) is never touched: that body is
     * recorded as a conflict, once. The batch's rows are locked first (`FOR UPDATE`), so what
     * `planOrderWrites` decides from them still holds when the writes run; a deadlock with
     * another processor runs the whole transaction again. Outcomes are in the order of `writes`.
     * One row the database refuses fails the batch: the caller retries its orders one by one.
     */
    recordOrders(writes: readonly OrderWrite[]): Promise<RecordOutcome[]> {
      if (writes.length === 0) return Promise.resolve([]);
      return inTransaction(async (conn) => {
        const run = <T extends RowDataPacket[] | ResultSetHeader>(sql: string, values: unknown[]) =>
          conn.query<T>({ sql, values, timeout: WRITE_TIMEOUT_MS });
        const [rows] = await run<RowDataPacket[]>(
          `SELECT id, user_id, product_id, quantity, status, request_fingerprint FROM orders
            WHERE id IN (?) FOR UPDATE`,
          [[...new Set(writes.map((w) => w.order.orderId))]],
        );
        const plan = planOrderWrites(
          new Map(
            rows.map((row) => [
              String(row.id),
              { userId: Number(row.user_id), fingerprint: fingerprintOf(row), status: row.status },
            ]),
          ),
          writes,
        );
        if (plan.inserts.length > 0) {
          await run(
            `INSERT INTO orders
               (id, user_id, product_id, product_sku, product_name, unit_price, quantity, total,
                status, idempotency_key, request_fingerprint, request_id, created_at)
             VALUES ?`,
            [
              plan.inserts.map(({ order, status, product }) => [
                order.orderId,
                order.userId,
                order.productId,
                product.sku,
                product.name,
                product.price,
                order.quantity,
                totalOf(product, order),
                status,
                order.idempotencyKey,
                order.fingerprint,
                order.requestId,
                new Date(order.placedAt),
              ]),
            ],
          );
        }
        if (plan.promotions.length > 0) {
          // One statement for the batch: each column takes its row's value by id.
          const columns: [string, (w: OrderWrite) => unknown][] = [
            ['product_sku', (w) => w.product.sku],
            ['product_name', (w) => w.product.name],
            ['unit_price', (w) => w.product.price],
            ['total', (w) => totalOf(w.product, w.order)],
            ['status', (w) => w.status],
          ];
          const whens = plan.promotions.map(() => 'WHEN ? THEN ?').join(' ');
          await run(
            `UPDATE orders
                SET ${columns.map(([column]) => `${column} = CASE id ${whens} END`).join(', ')}
              WHERE id IN (?) AND status = 'queued'`,
            [
              ...columns.flatMap(([, value]) =>
                plan.promotions.flatMap((w) => [w.order.orderId, value(w)]),
              ),
              plan.promotions.map((w) => w.order.orderId),
            ],
          );
        }
        if (plan.conflicts.length > 0) {
          await run(
            `INSERT IGNORE INTO order_conflicts
               (order_id, user_id, idempotency_key, request_fingerprint, product_id, quantity,
                request_id, placed_at)
             VALUES ?`,
            [
              plan.conflicts.map((order) => [
                order.orderId,
                order.userId,
                order.idempotencyKey,
                order.fingerprint,
                order.productId,
                order.quantity,
                order.requestId,
                new Date(order.placedAt),
              ]),
            ],
          );
        }
        return plan.outcomes;
      });
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
