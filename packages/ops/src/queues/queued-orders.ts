import type { Connection } from 'mysql2/promise';
import { historyConnection } from '../deploy/history.js';
import type { EnvName } from '../plan.js';
import { formatUptime } from '../report.js';

/**
 * Orders accepted and still `queued`: a few for a second or two is normal; one waiting for
 * minutes means its message was lost and the processors' re-publishing has not brought it back
 * (or no processor runs). `echobase status` shows it.
 */
export interface QueuedOrders {
  queued: number;
  /** Seconds the oldest queued order has waited; null when none is queued. */
  oldestQueuedSeconds: number | null;
}

export async function readQueuedOrders(conn: Pick<Connection, 'query'>): Promise<QueuedOrders> {
  // By the database's clock, in UTC, as created_at is written.
  const [rows] = await conn.query(
    `SELECT COUNT(*) AS queued,
            TIMESTAMPDIFF(SECOND, MIN(created_at), UTC_TIMESTAMP(3)) AS oldest
       FROM orders WHERE status = 'queued'`,
  );
  const row = (rows as { queued: number | string; oldest: number | string | null }[])[0];
  const queued = Number(row?.queued ?? 0);
  return {
    queued,
    oldestQueuedSeconds:
      queued > 0 && row?.oldest !== null ? Math.max(0, Number(row?.oldest)) : null,
  };
}

/** The environment's queued orders; null when its database cannot be read. */
export async function queuedOrders(env: EnvName, root?: string): Promise<QueuedOrders | null> {
  const conn = await historyConnection(env, root).catch(() => null);
  if (!conn) return null;
  try {
    return await readQueuedOrders(conn);
  } catch {
    return null;
  } finally {
    await conn.end().catch(() => undefined);
  }
}

export function formatQueuedOrders(orders: QueuedOrders | null): string {
  if (orders === null) return 'orders: database not answering';
  if (orders.queued === 0) return 'orders: none queued';
  return `orders: ${orders.queued} queued, the oldest for ${formatUptime(orders.oldestQueuedSeconds)}`;
}
