import { randomUUID } from 'node:crypto';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { createDbPool, type DbConfig, type Pool } from '@echobase/infra/db';
import type { OrderPlaced } from '@echobase/infra/queue';
import { type DbCredentials, dbCredentialsSchema } from '@echobase/infra/secrets';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { durableEnv, readSecret } from '../env/index.js';
import type { Product } from '../orders/index.js';

let login: Promise<DbCredentials> | undefined;

/** The apps' database login, read once from Secrets Manager. */
export function appLogin(): Promise<DbCredentials> {
  login ??= readSecret(durableEnv().DB_SECRET_NAME, dbCredentialsSchema);
  return login;
}

/**
 * A pool on orders_db as the app user. `port` (and `host`) put a proxy between it and MariaDB;
 * every other setting is the pool's own default unless given.
 */
export async function appPool(settings: Partial<DbConfig> = {}): Promise<Pool> {
  const env = durableEnv();
  const { username, password } = await appLogin();
  return createDbPool({
    host: env.DB_HOST,
    port: Number(env.DB_PORT),
    database: env.DB_NAME,
    user: username,
    password,
    ...settings,
  });
}

/** Test data in the shared orders_db: unique users and products, removed with their orders. */
export class Fixtures {
  readonly users: number[] = [];
  readonly products: number[] = [];

  constructor(readonly pool: Pool) {}

  /** A user who can own orders (no usable password: not for signing in). */
  async user(): Promise<number> {
    const [result] = await this.pool.query<ResultSetHeader>(
      'INSERT INTO users (email, password_hash) VALUES (?, ?)',
      [`test-${randomUUID()}@example.com`, 'not-a-hash'],
    );
    this.users.push(result.insertId);
    return result.insertId;
  }

  /** A product with an id far above the seeded catalogue's, active or not. */
  async product(active: boolean): Promise<Product> {
    const id = 900_000_000 + Math.floor(Math.random() * 90_000_000);
    const product = { id, sku: `T-${id}`, name: `Test product ${id}`, price: '12.34' };
    await this.pool.query(
      'INSERT INTO products (id, sku, name, price, active) VALUES (?, ?, ?, ?, ?)',
      [id, product.sku, product.name, product.price, active],
    );
    this.products.push(id);
    return product;
  }

  async orders(orderIds: readonly string[]): Promise<RowDataPacket[]> {
    if (orderIds.length === 0) return [];
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT * FROM orders WHERE id IN (?)', [
      orderIds,
    ]);
    return rows;
  }

  async ordersOf(userId: number): Promise<RowDataPacket[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT * FROM orders WHERE user_id = ?',
      [userId],
    );
    return rows;
  }

  async cleanUp(): Promise<void> {
    if (this.users.length > 0) {
      await this.pool.query('DELETE FROM order_conflicts WHERE user_id IN (?)', [this.users]);
      await this.pool.query('DELETE FROM orders WHERE user_id IN (?)', [this.users]);
      await this.pool.query('DELETE FROM users WHERE id IN (?)', [this.users]);
    }
    if (this.products.length > 0) {
      await this.pool.query('DELETE FROM orders WHERE product_id IN (?)', [this.products]);
      await this.pool.query('DELETE FROM products WHERE id IN (?)', [this.products]);
    }
  }
}

/** The row the API writes as it accepts an order while the database answers. */
export async function insertQueued(pool: Pool, order: OrderPlaced): Promise<void> {
  await pool.query(
    `INSERT INTO orders (id, user_id, product_id, product_sku, product_name, unit_price, quantity,
       total, status, idempotency_key, request_fingerprint, request_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)`,
    [
      order.orderId,
      order.userId,
      order.productId,
      order.productSku,
      order.productName,
      order.unitPrice,
      order.quantity,
      order.total,
      order.idempotencyKey,
      order.fingerprint,
      order.requestId,
      new Date(order.placedAt),
    ],
  );
}

export interface DbProxy {
  readonly port: number;
  /** Forwards to MariaDB (listening again on the same port if it was down). */
  up(): Promise<void>;
  /** A database that is gone: every open connection dropped, new ones refused. */
  down(): Promise<void>;
  /** A database that is stuck: connections accepted, nothing answered, open ones silent. */
  hang(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy between some clients (an API, a processor, a pool) and the shared ci MariaDB, which
 * keeps serving everyone else. Starts `up`, or `down` (nothing listening on its port yet).
 */
export async function createDbProxy({ up = true } = {}): Promise<DbProxy> {
  const env = durableEnv();
  let mode: 'up' | 'down' | 'hang' = 'down';
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  const listen = async (port: number) => {
    const s = createServer((client) => {
      track(client);
      if (mode === 'hang') return;
      const upstream = connect(Number(env.DB_PORT), env.DB_HOST);
      track(upstream);
      // Bytes are only relayed while up: a hang silences the connections already open too.
      client.on('data', (chunk) => mode === 'up' && upstream.write(chunk));
      upstream.on('data', (chunk) => mode === 'up' && client.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', resolve);
    });
    server = s;
    return (s.address() as AddressInfo).port;
  };
  const stopListening = async () => {
    const s = server;
    server = undefined;
    dropAll();
    if (s) await new Promise((resolve) => s.close(resolve));
  };

  const port = await listen(0);
  mode = 'up';
  if (!up) {
    mode = 'down';
    await stopListening();
  }
  return {
    port,
    async up() {
      // Bytes dropped while hung leave the open connections useless: drop them on the way out.
      if (mode === 'hang') dropAll();
      mode = 'up';
      if (!server) await listen(port);
    },
    async down() {
      mode = 'down';
      await stopListening();
    },
    async hang() {
      mode = 'hang';
      if (!server) await listen(port);
    },
    close: stopListening,
  };
}
