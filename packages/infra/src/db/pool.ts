import { setTimeout as sleep } from 'node:timers/promises';
import {
  createPool,
  type Pool,
  type PoolConnection,
  type PoolOptions,
  type QueryOptions,
} from 'mysql2/promise';
import { isLockConflict } from './unavailable.js';

export interface DbConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** Connections kept by the pool; 10 when omitted. */
  connectionLimit?: number;
  /** Longest wait for a new connection's handshake; 2 s when omitted. */
  connectTimeoutMs?: number;
  /** Longest wait for a free connection before a query fails; connectTimeoutMs when omitted. */
  acquireTimeoutMs?: number;
  /** Queries waiting for a connection beyond this many fail at once; 4 × connectionLimit when omitted. */
  queueLimit?: number;
  /** For every query that does not set its own `timeout`; 5 s when omitted. */
  queryTimeoutMs?: number;
}

export type { Pool } from 'mysql2/promise';

const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
const DEFAULT_QUERY_TIMEOUT_MS = 5_000;
/** A statement that lost a deadlock or a lock wait did nothing: run it again this many times in all. */
export const LOCK_CONFLICT_ATTEMPTS = 3;

export function poolOptions(config: DbConfig): PoolOptions {
  const connectionLimit = config.connectionLimit ?? 10;
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    connectionLimit,
    connectTimeout: config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // mysql2's wait queue is unbounded by default: a hung database would pile up every request.
    queueLimit: config.queueLimit ?? 4 * connectionLimit,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    // DECIMAL columns (prices, totals) come back as strings so no float ever rounds money.
    decimalNumbers: false,
    supportBigNumbers: true,
    waitForConnections: true,
    enableKeepAlive: true,
  };
}

type Sql = string | QueryOptions;
type Values = QueryOptions['values'];
type Connection = Pick<PoolConnection, 'query' | 'release' | 'destroy'>;

export interface GuardOptions {
  acquireTimeoutMs: number;
  queryTimeoutMs: number;
  lockConflictAttempts?: number;
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/**
 * The limits mysql2 does not have, put on a pool's `getConnection` and `query`:
 * - a bounded wait for a connection (mysql2 queues a request until a connection frees up, which
 *   for a hung database is never);
 * - a default query timeout, and the connection of a query that timed out is destroyed, not
 *   returned: mysql2 keeps it busy until the server answers, so a hung database would otherwise
 *   hold every connection of the pool for good;
 * - a statement that lost a deadlock (1213) or a lock wait (1205) is run again, a bounded number
 *   of times: it was rolled back and did nothing. `query` runs one autocommitted statement on a
 *   connection of its own, so running it again is always safe. (A transaction on a connection
 *   from `getConnection` must retry as a whole: see `retryLockConflicts`.)
 * Past its attempts a lock conflict is "unavailable" (see isDatabaseUnavailable): a 503 that
 * says retry, not a 500 for an order that will complete.
 */
export function guardPool<P extends Pick<Pool, 'getConnection' | 'query'>>(
  pool: P,
  options: GuardOptions,
): P {
  const getConnection = pool.getConnection.bind(pool) as () => Promise<PoolConnection>;
  const attempts = options.lockConflictAttempts ?? LOCK_CONFLICT_ATTEMPTS;

  function acquire(): Promise<PoolConnection> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(
          Object.assign(new Error(`no database connection within ${options.acquireTimeoutMs} ms`), {
            code: 'POOL_ACQUIRE_TIMEOUT',
          }),
        );
      }, options.acquireTimeoutMs);
      getConnection().then(
        (connection) => {
          clearTimeout(timer);
          if (timedOut) connection.release();
          else resolve(connection);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  async function once(sql: Sql, values: Values): Promise<unknown> {
    const connection: Connection = await acquire();
    const query: QueryOptions =
      typeof sql === 'string'
        ? { sql, timeout: options.queryTimeoutMs }
        : { timeout: options.queryTimeoutMs, ...sql };
    let reusable = true;
    try {
      return await connection.query(query, values);
    } catch (error) {
      if (codeOf(error) === 'PROTOCOL_SEQUENCE_TIMEOUT') {
        reusable = false;
        connection.destroy();
      }
      throw error;
    } finally {
      if (reusable) connection.release();
    }
  }

  pool.getConnection = acquire as P['getConnection'];
  pool.query = ((sql: Sql, values?: Values) =>
    retryLockConflicts(() => once(sql, values), attempts)) as P['query'];
  return pool;
}

/** Runs `work` again when it lost a deadlock or a lock wait, up to `attempts` runs in all. */
export async function retryLockConflicts<T>(
  work: () => Promise<T>,
  attempts = LOCK_CONFLICT_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isLockConflict(error) || attempt >= attempts) throw error;
      // A little jitter, so the two sides of a deadlock do not meet again in step.
      await sleep(10 * attempt + Math.floor(Math.random() * 20));
    }
  }
}

export function createDbPool(config: DbConfig): Pool {
  const connectTimeoutMs = config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return guardPool(createPool(poolOptions(config)), {
    acquireTimeoutMs: config.acquireTimeoutMs ?? connectTimeoutMs,
    queryTimeoutMs: config.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
  });
}
