import { fileURLToPath } from 'node:url';
import { createConnection } from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { type DbConfig, listMigrations, MigrationError, migrate } from '../src/db/index.js';
import { scratchDatabase } from './support.js';

const BAD_DIR = fileURLToPath(new URL('./fixtures/bad-migrations/', import.meta.url));

const CATALOGUE = [
  ['QS-001', 'Quantum Stabilizer', '249.99'],
  ['PC-042', 'Plasma Conduit', '89.50'],
  ['NIM-007', 'Neural Interface Module', '599.00'],
  ['GD-113', 'Gravity Dampener', '175.25'],
  ['CSU-088', 'Chrono Sync Unit', '324.75'],
  ['HP-101', 'Headphones', '79.99'],
  ['KB-202', 'Keyboard', '49.99'],
  ['LT-303', 'Laptop', '999.99'],
  ['MN-404', 'Monitor', '349.99'],
  ['MS-505', 'Mouse', '29.99'],
  ['WC-606', 'Webcam', '59.99'],
];

const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(drops.splice(0).map((drop) => drop()));
});

async function fresh(): Promise<DbConfig> {
  const db = await scratchDatabase();
  drops.push(db.drop);
  return db.config;
}

async function query<T>(config: DbConfig, sql: string, params: unknown[] = []): Promise<T[]> {
  const conn = await createConnection(config);
  try {
    const [rows] = await conn.query(sql, params);
    return rows as T[];
  } finally {
    await conn.end();
  }
}

describe('migrations', () => {
  it('build the schema and seed the catalogue on an empty database', async () => {
    const config = await fresh();
    const result = await migrate(config);
    expect(result.applied).toEqual(await listMigrations());
    expect(result.version).toBe((await listMigrations()).at(-1));

    const tables = await query<{ TABLE_NAME: string; TABLE_COLLATION: string }>(
      config,
      'SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
      [config.database],
    );
    expect(tables.map((t) => t.TABLE_NAME)).toEqual([
      'deployments',
      'orders',
      'order_conflicts',
      'products',
      'revoked_sessions',
      'schema_migrations',
      'users',
    ]);
    for (const t of tables) expect(t.TABLE_COLLATION).toBe('utf8mb4_unicode_ci');

    const products = await query<{ sku: string; name: string; price: string }>(
      config,
      'SELECT sku, name, price FROM products ORDER BY id',
    );
    expect(products.map((p) => [p.sku, p.name, p.price])).toEqual(CATALOGUE);
  });

  it('apply nothing the second time', async () => {
    const config = await fresh();
    await migrate(config);
    const again = await migrate(config);
    expect(again).toEqual({ applied: [], version: (await listMigrations()).at(-1) });
    expect(await query(config, 'SELECT * FROM products')).toHaveLength(11);
  });

  it('run exactly once when four processes race', async () => {
    const config = await fresh();
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(config)));
    const applied = results.flatMap((r) => r.applied).sort();
    expect(applied).toEqual(await listMigrations());
    const logged = await query<{ n: number }>(
      config,
      'SELECT COUNT(*) AS n FROM schema_migrations',
    );
    expect(Number(logged[0]?.n)).toBe((await listMigrations()).length);
  });

  it('wait for the lock and give up with a clear error when it is held too long', async () => {
    const config = await fresh();
    const holder = await createConnection(config);
    try {
      await holder.query("SELECT GET_LOCK('echobase.schema_migrations', 0)");
      await expect(migrate(config, { lockTimeoutSeconds: 1 })).rejects.toThrow(
        new MigrationError('another migration run held the lock for over 1 s'),
      );
    } finally {
      await holder.end();
    }
    await expect(migrate(config)).resolves.toMatchObject({
      version: (await listMigrations()).at(-1),
    });
  });

  it('stop at a failing migration, record only what succeeded and release the lock', async () => {
    const config = await fresh();
    const error = await migrate(config, { dir: BAD_DIR }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/^migration failed: .*SQL syntax/);
    const logged = await query<{ name: string }>(config, 'SELECT name FROM schema_migrations');
    expect(logged.map((r) => r.name)).toEqual(['0001_good']);
    const lock = await query<{ free: number }>(
      config,
      "SELECT IS_FREE_LOCK('echobase.schema_migrations') AS free",
    );
    expect(lock[0]?.free).toBe(1);
  });

  it('enforce the order rules: one row per order id and per idempotency key of a user', async () => {
    const config = await fresh();
    await migrate(config);
    await query(
      config,
      "INSERT INTO users (id, email, password_hash) VALUES (1, 'a@example.com', 'x'), (2, 'b@example.com', 'x')",
    );
    const insert = (id: string, user: number, key: string) =>
      query(
        config,
        `INSERT INTO orders (id, user_id, product_id, product_sku, product_name, unit_price, quantity, total, status, idempotency_key)
         VALUES (?, ?, 1, 'QS-001', 'Quantum Stabilizer', 249.99, 2, 499.98, 'completed', ?)`,
        [id, user, key],
      );
    await insert('00000000-0000-4000-8000-000000000001', 1, 'k1');
    await expect(insert('00000000-0000-4000-8000-000000000001', 2, 'k9')).rejects.toMatchObject({
      code: 'ER_DUP_ENTRY',
    });
    await expect(insert('00000000-0000-4000-8000-000000000002', 1, 'k1')).rejects.toMatchObject({
      code: 'ER_DUP_ENTRY',
    });
    await insert('00000000-0000-4000-8000-000000000003', 2, 'k1');
    await expect(
      query(
        config,
        "UPDATE orders SET status = 'lost' WHERE id = '00000000-0000-4000-8000-000000000003'",
      ),
      // MariaDB's ER_CONSTRAINT_FAILED (4025); mysql2 names codes after MySQL's table, so match the errno.
    ).rejects.toMatchObject({ errno: 4025, message: expect.stringContaining('ck_orders_status') });
  });

  it('store and return 4-byte UTF-8 intact', async () => {
    const config = await fresh();
    await migrate(config);
    await query(
      config,
      "INSERT INTO users (email, password_hash) VALUES ('ünïcødé🚀@example.com', 'x')",
    );
    const rows = await query<{ email: string }>(config, 'SELECT email FROM users');
    expect(rows[0]?.email).toBe('ünïcødé🚀@example.com');
  });
});
