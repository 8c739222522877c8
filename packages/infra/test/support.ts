import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createConnection } from 'mysql2/promise';
import type { DbConfig } from '../src/db/index.js';
import {
  createSecretsReader,
  type DbCredentials,
  dbCredentialsSchema,
} from '../src/secrets/index.js';

/**
 * Integration tests run against the real native ci durable layer. The test command starts it
 * and exports its settings; run by hand:
 *   ./durable/setup.sh ci && eval "$(npx echobase durable env ci --export --operator)"
 */
const REQUIRED = [
  'DB_HOST',
  'DB_PORT',
  'DB_NAME',
  'DB_SECRET_NAME',
  'DB_ROOT_CREDENTIALS_FILE',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
];

export function durableEnv() {
  const missing = REQUIRED.filter((k) => !process.env[k]);
  if (missing.length > 0) {
    throw new Error(
      `integration tests need the ci durable layer (missing ${missing.join(', ')}): ` +
        `./durable/setup.sh ci && eval "$(npx echobase durable env ci --export --operator)"`,
    );
  }
  const env = process.env as Record<string, string>;
  return {
    host: env.DB_HOST as string,
    port: Number(env.DB_PORT),
    database: env.DB_NAME as string,
    appSecret: env.DB_SECRET_NAME as string,
    rootCredentialsFile: env.DB_ROOT_CREDENTIALS_FILE as string,
    aws: { region: env.AWS_REGION as string, endpoint: env.AWS_ENDPOINT_URL as string },
  };
}

export async function readLogin(secretName: string): Promise<DbCredentials> {
  const reader = createSecretsReader({ ...durableEnv().aws, retries: 2 });
  try {
    return await reader.getJson(secretName, dbCredentialsSchema);
  } finally {
    reader.close();
  }
}

/** A throw-away database, so migration tests never touch orders_db. */
export async function scratchDatabase(): Promise<{ config: DbConfig; drop: () => Promise<void> }> {
  const env = durableEnv();
  // The root login is the operator's alone: in the 0600 credentials file, never in Secrets Manager.
  const { dbRootPassword } = JSON.parse(await readFile(env.rootCredentialsFile, 'utf8')) as {
    dbRootPassword: string;
  };
  const root = { username: 'root', password: dbRootPassword };
  const name = `echobase_test_${randomBytes(4).toString('hex')}`;
  const admin = { host: env.host, port: env.port, user: root.username, password: root.password };
  const conn = await createConnection(admin);
  await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  return {
    config: { ...admin, database: name },
    async drop() {
      const c = await createConnection(admin);
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}
