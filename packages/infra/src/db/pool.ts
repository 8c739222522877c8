import { createPool, type Pool, type PoolOptions } from 'mysql2/promise';

export interface DbConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** Connections kept by the pool; 10 when omitted. */
  connectionLimit?: number;
  connectTimeoutMs?: number;
}

export type { Pool } from 'mysql2/promise';

export function poolOptions(config: DbConfig): PoolOptions {
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    connectionLimit: config.connectionLimit ?? 10,
    connectTimeout: config.connectTimeoutMs ?? 5_000,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    // DECIMAL columns (prices, totals) come back as strings so no float ever rounds money.
    decimalNumbers: false,
    supportBigNumbers: true,
    waitForConnections: true,
    enableKeepAlive: true,
  };
}

export function createDbPool(config: DbConfig): Pool {
  return createPool(poolOptions(config));
}
