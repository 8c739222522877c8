import { createServer, type Socket } from 'node:net';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { createDbPool, guardPool, retryLockConflicts } from './pool.js';
import { isDatabaseUnavailable } from './unavailable.js';

const deadlock = () =>
  Object.assign(new Error('Deadlock found when trying to get lock'), {
    errno: 1213,
    code: 'ER_LOCK_DEADLOCK',
  });
const timedOut = () =>
  Object.assign(new Error('Query inactivity timeout'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' });

/** A stand-in for mysql2's pool at the module edge: each query answers from a script. */
function scriptedPool(outcomes: (unknown | Error)[], connectDelayMs = 0) {
  const events: string[] = [];
  const queries: unknown[] = [];
  const connection = {
    async query(sql: unknown) {
      queries.push(sql);
      const next = outcomes.shift();
      if (next instanceof Error) throw next;
      return [next, []];
    },
    release: () => events.push('release'),
    destroy: () => events.push('destroy'),
  };
  const pool = {
    async getConnection() {
      events.push('acquire');
      if (connectDelayMs) await new Promise((resolve) => setTimeout(resolve, connectDelayMs));
      return connection as unknown as PoolConnection;
    },
    query: async () => {
      throw new Error('replaced by guardPool');
    },
  } as unknown as Pick<Pool, 'getConnection' | 'query'>;
  return { pool, events, queries };
}

const options = { acquireTimeoutMs: 100, queryTimeoutMs: 1_234 };

describe('guardPool', () => {
  it('gives every query a timeout unless it sets its own', async () => {
    const { pool, queries } = scriptedPool([[{ n: 1 }], [{ n: 2 }]]);
    guardPool(pool, options);
    await pool.query('SELECT 1');
    await pool.query({ sql: 'SELECT 2', timeout: 50 });
    expect(queries).toEqual([
      { sql: 'SELECT 1', timeout: 1_234 },
      { sql: 'SELECT 2', timeout: 50 },
    ]);
  });

  it('runs a statement that lost a deadlock again, then answers', async () => {
    const { pool, events } = scriptedPool([deadlock(), deadlock(), [{ ok: 1 }]]);
    guardPool(pool, options);
    await expect(pool.query('UPDATE t SET x = 1')).resolves.toEqual([[{ ok: 1 }], []]);
    expect(events.filter((e) => e === 'acquire')).toHaveLength(3);
    expect(events.filter((e) => e === 'release')).toHaveLength(3);
  });

  it('gives up after three deadlocks with an error that means "unavailable" (503), not a data error', async () => {
    const { pool } = scriptedPool([deadlock(), deadlock(), deadlock(), [{ never: true }]]);
    guardPool(pool, options);
    const error = await pool.query('UPDATE t SET x = 1').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ER_LOCK_DEADLOCK' });
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('does not run other errors again', async () => {
    const dup = Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' });
    const { pool, events } = scriptedPool([dup, [{ never: true }]]);
    guardPool(pool, options);
    await expect(pool.query('INSERT')).rejects.toBe(dup);
    expect(events).toEqual(['acquire', 'release']);
  });

  it('destroys the connection of a query that timed out instead of returning it to the pool', async () => {
    const { pool, events } = scriptedPool([timedOut()]);
    guardPool(pool, options);
    await expect(pool.query('SELECT SLEEP(60)')).rejects.toMatchObject({
      code: 'PROTOCOL_SEQUENCE_TIMEOUT',
    });
    expect(events).toEqual(['acquire', 'destroy']);
  });

  it('bounds the wait for a connection, and returns one that comes too late', async () => {
    const { pool, events } = scriptedPool([], 300);
    guardPool(pool, options);
    const started = Date.now();
    const error = await pool.getConnection().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'POOL_ACQUIRE_TIMEOUT',
      message: 'no database connection within 100 ms',
    });
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(250);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toEqual(['acquire', 'release']);
  });
});

describe('retryLockConflicts', () => {
  it('runs a whole transaction again after a deadlock, at most the given times', async () => {
    let runs = 0;
    await expect(
      retryLockConflicts(async () => {
        runs += 1;
        if (runs < 2) throw deadlock();
        return 'committed';
      }),
    ).resolves.toBe('committed');
    expect(runs).toBe(2);
    runs = 0;
    await expect(
      retryLockConflicts(async () => {
        runs += 1;
        throw deadlock();
      }, 2),
    ).rejects.toMatchObject({ errno: 1213 });
    expect(runs).toBe(2);
  });
});

describe('createDbPool against a database that accepts connections and never answers', () => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  let pool: Pool | undefined;

  afterEach(async () => {
    await pool?.end().catch(() => undefined);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails every query promptly, as "unavailable", even many more than the pool holds', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    pool = createDbPool({
      host: '127.0.0.1',
      port,
      database: 'orders_db',
      user: 'app_user',
      password: 'x',
      connectionLimit: 4,
      connectTimeoutMs: 300,
    });
    const started = Date.now();
    const p = pool;
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const error = await p.query('SELECT 1').then(
          () => undefined,
          (e: unknown) => e,
        );
        return { unavailable: isDatabaseUnavailable(error), ms: Date.now() - started };
      }),
    );
    expect(outcomes.every((o) => o.unavailable)).toBe(true);
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(1_500);
  });
});
