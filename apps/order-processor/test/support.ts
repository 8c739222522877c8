import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  DeleteQueueCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createDbPool, type Pool } from '@echobase/infra/db';
import { createLogger, type Logger } from '@echobase/infra/logger';
import {
  createOrderSigner,
  createSqsClient,
  ensureQueuePair,
  fromCents,
  type OrderPlaced,
  type OrderSigner,
  orderFingerprint,
  type QueuePair,
  queueDepth,
  signedOrderMessage,
  toCents,
} from '@echobase/infra/queue';
import {
  createSecretsReader,
  type DbCredentials,
  dbCredentialsSchema,
  orderSigningSecretSchema,
} from '@echobase/infra/secrets';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { createHealthServer } from '../src/health.js';
import { createProcessor, type Processor, type ProcessorDeps } from '../src/processor.js';

/**
 * Integration tests run against the real native ci durable layer (MariaDB + moto), as the test
 * command sets it up and exports it:
 *   ./durable/setup.sh ci && eval "$(npx echobase durable env ci --export --operator)"
 * Every test makes its own queues, users and products, and removes them afterwards.
 */
const REQUIRED = [
  'DB_HOST',
  'DB_PORT',
  'DB_NAME',
  'DB_SECRET_NAME',
  'ORDER_SIGNING_SECRET_NAME',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
];

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROCESSOR_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const OPS_CLI = fileURLToPath(new URL('../../../packages/ops/dist/cli.js', import.meta.url));

export function durableEnv(): Record<string, string> {
  const missing = REQUIRED.filter((k) => !process.env[k]);
  if (missing.length > 0) {
    throw new Error(
      `integration tests need the ci durable layer (missing ${missing.join(', ')}): ` +
        `./durable/setup.sh ci && eval "$(npx echobase durable env ci --export --operator)"`,
    );
  }
  return Object.fromEntries(REQUIRED.map((k) => [k, process.env[k] as string]));
}

export const aws = () => ({
  region: durableEnv().AWS_REGION as string,
  endpoint: durableEnv().AWS_ENDPOINT_URL,
});

let login: Promise<DbCredentials> | undefined;
export function appLogin(): Promise<DbCredentials> {
  login ??= (async () => {
    const reader = createSecretsReader({ ...aws(), retries: 2 });
    try {
      return await reader.getJson(durableEnv().DB_SECRET_NAME as string, dbCredentialsSchema);
    } finally {
      reader.close();
    }
  })();
  return login;
}

let signer: Promise<OrderSigner> | undefined;
/** Signs as the API does, with the environment's key (the spawned processor reads the same). */
export function orderSigner(): Promise<OrderSigner> {
  signer ??= (async () => {
    const reader = createSecretsReader({ ...aws(), retries: 2 });
    try {
      const name = durableEnv().ORDER_SIGNING_SECRET_NAME as string;
      return createOrderSigner(await reader.getJson(name, orderSigningSecretSchema));
    } finally {
      reader.close();
    }
  })();
  return signer;
}

/** A pool as the app user; `port` lets a test put a proxy between the processor and MariaDB. */
export async function appPool(port = Number(durableEnv().DB_PORT)): Promise<Pool> {
  const { username, password } = await appLogin();
  return createDbPool({
    host: durableEnv().DB_HOST as string,
    port,
    database: durableEnv().DB_NAME as string,
    user: username,
    password,
    connectionLimit: 5,
    connectTimeoutMs: 1_000,
  });
}

export function sqsClient(): SQSClient {
  return createSqsClient(aws());
}

/** A fresh, uniquely named queue pair (redrive after 3 receives) with a short visibility timeout. */
export async function createQueues(
  sqs: SQSClient,
  visibilityTimeoutSeconds = 2,
): Promise<QueuePair> {
  const name = `echobase-test-op-${randomUUID().slice(0, 8)}`;
  return ensureQueuePair(sqs, { name, deadLetterName: `${name}-dlq`, visibilityTimeoutSeconds });
}

export async function deleteQueues(sqs: SQSClient, queues: QueuePair): Promise<void> {
  for (const url of [queues.queueUrl, queues.deadLetterQueueUrl]) {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
  }
}

export async function depth(sqs: SQSClient, url: string) {
  return queueDepth(sqs, url);
}

/** A body sent as it is, unsigned: what a process that can only reach the queue can send. */
export async function sendBody(sqs: SQSClient, url: string, body: string): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
}

/** Any body, signed with the environment's key: what only the API (or a bug in it) sends. */
export async function sendSignedBody(sqs: SQSClient, url: string, body: string): Promise<void> {
  const MessageAttributes = (await orderSigner()).sign(body);
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes }));
}

/** An order message as the API sends it: encoded and signed. */
export async function sendOrder(sqs: SQSClient, url: string, order: OrderPlaced): Promise<void> {
  await sqs.send(
    new SendMessageCommand({ QueueUrl: url, ...signedOrderMessage(order, await orderSigner()) }),
  );
}

/** Up to 10 orders in one SendMessageBatch, so one receive gets them all as one batch. */
export async function sendOrders(
  sqs: SQSClient,
  url: string,
  orders: readonly OrderPlaced[],
): Promise<void> {
  const signer = await orderSigner();
  const out = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: orders.map((o, i) => ({ Id: String(i), ...signedOrderMessage(o, signer) })),
    }),
  );
  if ((out.Failed ?? []).length > 0) throw new Error('SendMessageBatch refused some messages');
}

export interface Product {
  id: number;
  sku: string;
  name: string;
  price: string;
}

/** Test data in the shared orders_db: unique users and products, removed with their orders. */
export class Fixtures {
  readonly users: number[] = [];
  readonly products: number[] = [];

  constructor(readonly pool: Pool) {}

  async user(): Promise<number> {
    const [result] = await this.pool.query<ResultSetHeader>(
      'INSERT INTO users (email, password_hash) VALUES (?, ?)',
      [`processor-test-${randomUUID()}@example.com`, 'not-a-hash'],
    );
    this.users.push(result.insertId);
    return result.insertId;
  }

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

/** A valid order message, as the API builds it. */
export function orderFor(
  userId: number,
  product: Product = { id: 2, sku: 'PC-042', name: 'Plasma Conduit', price: '89.50' },
  quantity = 2,
): OrderPlaced {
  return {
    type: 'order.placed',
    version: 2,
    orderId: randomUUID(),
    userId,
    productId: product.id,
    productSku: product.sku,
    productName: product.name,
    unitPrice: product.price,
    quantity,
    total: fromCents(toCents(product.price) * quantity),
    idempotencyKey: randomUUID(),
    fingerprint: orderFingerprint({ productId: product.id, quantity }),
    requestId: `req-${randomUUID()}`,
    placedAt: new Date(Math.floor(Date.now() / 1000) * 1000 - 5_000).toISOString(),
  };
}

/** Polls `check` until it returns something other than undefined/false; fails naming `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 20_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export type LogLine = Record<string, unknown> & { msg: string; level: number };

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({
    name: 'order-processor-test',
    level: 'debug',
    destination: { write: (s: string) => lines.push(JSON.parse(s) as LogLine) },
  });
  return { logger, lines };
}

/** A re-publish threshold no test reaches. */
const NEVER_MS = 86_400_000;

export interface InProcess {
  processor: Processor;
  lines: LogLine[];
  health: (path: string) => Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** The processor and its health server in this process, against real MariaDB and moto. */
export async function startInProcess(
  deps: Pick<ProcessorDeps, 'sqs' | 'queueUrl' | 'pool'> & Partial<ProcessorDeps>,
): Promise<InProcess> {
  const { logger, lines } = captureLogger();
  const processor = createProcessor({
    logger,
    signer: await orderSigner(),
    waitTimeSeconds: 1,
    // Other tests' queued orders in the shared database are not this test's business: only a
    // test about re-publishing turns it on.
    republishAfterMs: NEVER_MS,
    ...deps,
  });
  const server: Server = createHealthServer({
    status: processor.status,
    checkDatabase: () => processor.checkDatabase(),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await processor.start();
  return {
    processor,
    lines,
    async health(path) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async close() {
      await processor.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Child {
  child: ChildProcess;
  lines: LogLine[];
  healthPort: number;
  /** Resolves with the exit code, or the signal that ended the process. */
  exited: Promise<number | NodeJS.Signals>;
  waitForLog(msg: string, timeoutMs?: number): Promise<LogLine>;
  stop(): Promise<number | NodeJS.Signals>;
}

/** The built processor (`node dist/main.js`) as a child process, as a colour stack runs it. */
export async function spawnProcessor(
  queueUrl: string,
  env: Record<string, string> = {},
): Promise<Child> {
  if (!existsSync(PROCESSOR_MAIN)) throw new Error('build the processor first: npm run build');
  const healthPort = await freePort();
  const child = spawn('node', [PROCESSOR_MAIN], {
    env: {
      ...process.env,
      ...durableEnv(),
      ORDERS_QUEUE_URL: queueUrl,
      HEALTH_PORT: String(healthPort),
      LOG_LEVEL: 'info',
      PAUSE_MAX_BACKOFF_MS: '500',
      ORDER_REPUBLISH_AFTER_MS: String(NEVER_MS),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stderr = '';
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as LogLine);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // 'close', not 'exit': by then every line the process wrote has been read.
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? (signal as NodeJS.Signals))),
  );
  const handle: Child = {
    child,
    lines,
    healthPort,
    exited,
    waitForLog: (msg, timeoutMs = 20_000) =>
      waitFor(`the processor to log "${msg}"`, () => lines.find((l) => l.msg === msg) ?? false, {
        timeoutMs,
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  await waitFor('the processor to serve /health/live', async () => {
    if (child.exitCode !== null)
      throw new Error(`the processor exited with ${child.exitCode}: ${stderr}`);
    return fetch(`http://127.0.0.1:${healthPort}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
  });
  return handle;
}

/**
 * A TCP proxy in front of MariaDB that the test can cut and restore: `down()` stops listening
 * and drops every open connection (the database "goes away"); `up()` listens again on the same
 * port. Starts down: nothing listens on `port` until `up()`.
 */
export async function createDbProxy(targetPort = Number(durableEnv().DB_PORT)) {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: ReturnType<typeof createTcpServer> | undefined;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  return {
    port,
    async up() {
      if (server) return;
      server = createTcpServer((client) => {
        const upstream = connect(targetPort, durableEnv().DB_HOST as string);
        track(client);
        track(upstream);
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      const s = server;
      await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    },
    async down() {
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (s) await new Promise((resolve) => s.close(resolve));
    },
  };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built `echobase` CLI, as an operator runs it; stdin is not a terminal. */
export function echobase(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'node',
      [OPS_CLI, ...args],
      { cwd: ROOT, env: { ...process.env, ECHOBASE_RUNTIME: 'native' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
