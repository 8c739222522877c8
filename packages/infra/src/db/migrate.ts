import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Connection, createConnection } from 'mysql2/promise';
import { Umzug, type UmzugStorage } from 'umzug';
import type { Logger } from '../logger/index.js';
import { type DbConfig, poolOptions } from './pool.js';

/** The SQL migrations shipped with this package, applied in file-name order. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const LOCK_NAME = 'echobase.schema_migrations';
const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;

export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export interface MigrateOptions {
  logger?: Logger;
  /** How long to wait for another process's migration run to finish; 60 s when omitted. */
  lockTimeoutSeconds?: number;
  /** Where the .sql files are; this package's own when omitted (tests point it elsewhere). */
  dir?: string;
}

export interface MigrateResult {
  applied: string[];
  version: string | null;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<string[]> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const bad = names.filter((f) => !MIGRATION_FILE.test(f));
  if (bad.length > 0) {
    throw new MigrationError(
      `migration file names must look like 0001_name.sql: ${bad.join(', ')}`,
    );
  }
  return names.map((f) => f.slice(0, -'.sql'.length));
}

function tableStorage(): UmzugStorage<Connection> {
  return {
    async executed({ context }) {
      const [rows] = await context.query('SELECT name FROM schema_migrations ORDER BY name');
      return (rows as { name: string }[]).map((r) => r.name);
    },
    async logMigration({ name, context }) {
      await context.query('INSERT INTO schema_migrations (name) VALUES (?)', [name]);
    },
    async unlogMigration({ name, context }) {
      await context.query('DELETE FROM schema_migrations WHERE name = ?', [name]);
    },
  };
}

/**
 * Applies every pending migration, holding a database-wide lock so that two processes (two
 * deploys, a deploy and a test) never apply the same migration at once. Migrations are
 * expand-only and written to be re-runnable (IF NOT EXISTS), so a run killed half-way converges
 * when run again.
 */
export async function migrate(
  config: DbConfig,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const dir = options.dir ?? MIGRATIONS_DIR;
  const names = await listMigrations(dir);
  const conn = await createConnection({ ...poolOptions(config), multipleStatements: true });
  try {
    const timeout = options.lockTimeoutSeconds ?? 60;
    const [lockRows] = await conn.query('SELECT GET_LOCK(?, ?) AS got', [LOCK_NAME, timeout]);
    if ((lockRows as { got: number | null }[])[0]?.got !== 1) {
      throw new MigrationError(`another migration run held the lock for over ${timeout} s`);
    }
    try {
      await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        name VARCHAR(255) NOT NULL PRIMARY KEY,
        applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
      const umzug = new Umzug<Connection>({
        migrations: names.map((name) => ({
          name,
          async up({ context }) {
            const sql = await readFile(`${dir}/${name}.sql`, 'utf8');
            await context.query(sql);
          },
        })),
        context: conn,
        storage: tableStorage(),
        logger: undefined,
      });
      const applied = await umzug.up();
      for (const m of applied) options.logger?.info({ migration: m.name }, 'migration applied');
      const executed = await umzug.executed();
      return { applied: applied.map((m) => m.name), version: executed.at(-1)?.name ?? null };
    } catch (error) {
      if (error instanceof MigrationError) throw error;
      const detail =
        error instanceof Error
          ? ((error.cause as Error | undefined)?.message ?? error.message)
          : String(error);
      throw new MigrationError(`migration failed: ${detail}`, { cause: error });
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
    }
  } finally {
    await conn.end();
  }
}

/** The name of the newest applied migration, or null on an empty database. */
export async function schemaVersion(conn: Pick<Connection, 'query'>): Promise<string | null> {
  const [rows] = await conn
    .query('SELECT name FROM schema_migrations ORDER BY name DESC LIMIT 1')
    .catch((error: { code?: string }) => {
      if (error.code === 'ER_NO_SUCH_TABLE') return [[]];
      throw error;
    });
  return (rows as { name: string }[])[0]?.name ?? null;
}
