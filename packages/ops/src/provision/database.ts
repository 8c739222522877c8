import { type MigrateResult, migrate, schemaVersion } from '@echobase/infra/db';
import { createSecretsReader, dbCredentialsSchema } from '@echobase/infra/secrets';
import { type ConnectionOptions, createConnection } from 'mysql2/promise';
import { OpsError } from '../errors.js';
import {
  APP_DB_USER,
  DATABASE_NAME,
  durableNames,
  type EnvName,
  LOOPBACK,
  MIGRATOR_DB_USER,
} from '../plan.js';
import { type AwsEndpoint, EMULATOR_CREDENTIALS } from './aws.js';
import type { Credentials } from './credentials.js';

/** How to reach MariaDB as root: natively through the private socket, in docker over TCP. */
export type RootAccess = { socketPath: string } | { host: string; port: number };

/** What the app user may do: read and write rows of the application database, nothing else. */
export const APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

async function rootConnection(access: RootAccess, password: string) {
  return createConnection({ ...access, user: 'root', password, charset: 'utf8mb4_unicode_ci' });
}

/**
 * Creates the database and its users, or brings them back in line; safe to run again. A fresh
 * datadir has a root with no password: the first run sets it.
 */
export async function bootstrapDatabase(access: RootAccess, creds: Credentials): Promise<void> {
  let conn: Awaited<ReturnType<typeof rootConnection>>;
  try {
    conn = await rootConnection(access, creds.dbRootPassword);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ER_ACCESS_DENIED_ERROR') throw error;
    conn = await rootConnection(access, '');
  }
  try {
    const statements: [string, unknown[]][] = [
      ["ALTER USER 'root'@'localhost' IDENTIFIED BY ?", [creds.dbRootPassword]],
      // Root over TCP on loopback too, as in docker, so the root secret works the same way in both.
      ["CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ?", [creds.dbRootPassword]],
      ["ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY ?", [creds.dbRootPassword]],
      ["GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION", []],
      [
        `CREATE DATABASE IF NOT EXISTS ${DATABASE_NAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        [],
      ],
      [
        'CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?',
        [MIGRATOR_DB_USER, '%', creds.dbMigratorPassword],
      ],
      ['ALTER USER ?@? IDENTIFIED BY ?', [MIGRATOR_DB_USER, '%', creds.dbMigratorPassword]],
      [`GRANT ALL PRIVILEGES ON ${DATABASE_NAME}.* TO ?@?`, [MIGRATOR_DB_USER, '%']],
      ['CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [APP_DB_USER, '%', creds.dbAppPassword]],
      ['ALTER USER ?@? IDENTIFIED BY ?', [APP_DB_USER, '%', creds.dbAppPassword]],
      [`GRANT ${APP_PRIVILEGES} ON ${DATABASE_NAME}.* TO ?@?`, [APP_DB_USER, '%']],
    ];
    // In docker the image manages root itself (root@'%' with the password it was started with).
    if ('host' in access) statements.splice(0, 4);
    for (const [sql, params] of statements) await conn.query(sql, params);
  } finally {
    await conn.end();
  }
}

export async function migrateDatabase(port: number, creds: Credentials): Promise<MigrateResult> {
  return migrate({
    host: LOOPBACK,
    port,
    database: DATABASE_NAME,
    user: MIGRATOR_DB_USER,
    password: creds.dbMigratorPassword,
  });
}

export interface Verification {
  products: number;
  schemaVersion: string | null;
}

/**
 * Proves the environment works the way the apps will use it: read the app user's login from
 * Secrets Manager, connect with it, and read the catalogue.
 */
export async function verifyAppAccess(
  env: EnvName,
  dbPort: number,
  aws: AwsEndpoint,
): Promise<Verification> {
  const secrets = createSecretsReader({ ...aws, credentials: EMULATOR_CREDENTIALS, retries: 2 });
  let login: { username: string; password: string };
  try {
    login = await secrets.getJson(durableNames(env).secrets.dbApp, dbCredentialsSchema);
  } finally {
    secrets.close();
  }
  const options: ConnectionOptions = {
    host: LOOPBACK,
    port: dbPort,
    database: DATABASE_NAME,
    user: login.username,
    password: login.password,
  };
  const conn = await createConnection(options).catch((error: Error) => {
    throw new OpsError(
      `the app user cannot connect with the login from Secrets Manager: ${error.message}`,
    );
  });
  try {
    const [rows] = await conn.query('SELECT COUNT(*) AS n FROM products');
    return {
      products: Number((rows as { n: number }[])[0]?.n ?? 0),
      schemaVersion: await schemaVersion(conn),
    };
  } finally {
    await conn.end();
  }
}
