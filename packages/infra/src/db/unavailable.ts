/**
 * True when an error means "the database cannot be reached right now" (worth waiting for),
 * as opposed to a problem with the data or the SQL (never fixed by waiting).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'POOL_CLOSED',
  // Ours (./pool.ts): no connection came free in time.
  'POOL_ACQUIRE_TIMEOUT',
]);

/**
 * MariaDB 1213 (deadlock: the transaction was rolled back) and 1205 (lock wait timeout): the
 * statement did nothing and may be run again. Retried a few times (./pool.ts); past that the
 * database is too contended to answer now, which is "unavailable", not a data error.
 */
export function isLockConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: string; errno?: number };
  return (
    e.errno === 1213 ||
    e.errno === 1205 ||
    e.code === 'ER_LOCK_DEADLOCK' ||
    e.code === 'ER_LOCK_WAIT_TIMEOUT'
  );
}

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    code?: string;
    errno?: number;
    message?: string;
    fatal?: boolean;
    cause?: unknown;
  };
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  if (isLockConflict(e)) return true;
  // MariaDB 1927: connection killed during shutdown.
  if (e.errno === 1927 || e.errno === 1053) return true;
  // mysql2's words for a pooled connection that died without a code on the error.
  if (
    typeof e.message === 'string' &&
    /Pool is closed|Queue limit reached|connect ETIMEDOUT|Connection lost|connection is in closed state/i.test(
      e.message,
    )
  )
    return true;
  return e.cause !== undefined && isDatabaseUnavailable(e.cause);
}
