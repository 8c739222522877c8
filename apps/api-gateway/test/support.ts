import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DeleteQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createDbPool, type Pool } from '@echobase/infra/db';
import { createLogger } from '@echobase/infra/logger';
import {
  createOrderSigner,
  createSqsClient,
  ensureQueuePair,
  type QueuePair,
} from '@echobase/infra/queue';
import {
  createSecretsReader,
  dbCredentialsSchema,
  jwtSecretSchema,
  orderSigningSecretSchema,
} from '@echobase/infra/secrets';
import { type App, type AppDeps, createApp } from '../src/app.js';

/**
 * Integration tests run the API against the real native ci durable layer (MariaDB + moto), as
 * the test command sets it up and exports it:
 *   ./durable/setup.sh ci && eval "$(npx echobase durable env ci --export --operator)"
 */
const REQUIRED = [
  'DB_HOST',
  'DB_PORT',
  'DB_NAME',
  'DB_SECRET_NAME',
  'JWT_SECRET_NAME',
  'ORDER_SIGNING_SECRET_NAME',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
];

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

const aws = () => ({
  region: durableEnv().AWS_REGION as string,
  endpoint: durableEnv().AWS_ENDPOINT_URL,
});

export async function readSecrets() {
  const env = durableEnv();
  const reader = createSecretsReader(aws());
  try {
    return {
      login: await reader.getJson(env.DB_SECRET_NAME as string, dbCredentialsSchema),
      jwt: await reader.getJson(env.JWT_SECRET_NAME as string, jwtSecretSchema),
      orderSigning: await reader.getJson(
        env.ORDER_SIGNING_SECRET_NAME as string,
        orderSigningSecretSchema,
      ),
    };
  } finally {
    reader.close();
  }
}

export function appPool(login: { username: string; password: string }): Pool {
  const env = durableEnv();
  return createDbPool({
    host: env.DB_HOST as string,
    port: Number(env.DB_PORT),
    database: env.DB_NAME as string,
    user: login.username,
    password: login.password,
  });
}

export interface Harness {
  url: string;
  app: App;
  pool: Pool;
  sqs: SQSClient;
  queues: QueuePair;
  close(): Promise<void>;
}

/** A fresh queue pair per test file, so tests never read each other's messages. */
export async function createQueues(
  sqs: SQSClient,
  visibilityTimeoutSeconds = 5,
): Promise<QueuePair> {
  const name = `echobase-test-${randomUUID().slice(0, 8)}`;
  return ensureQueuePair(sqs, { name, deadLetterName: `${name}-dlq`, visibilityTimeoutSeconds });
}

/** The API in this process, with real MariaDB and moto, on an ephemeral port. */
export async function startApi(overrides: Partial<AppDeps> = {}): Promise<Harness> {
  const { login, jwt, orderSigning } = await readSecrets();
  const pool = appPool(login);
  const sqs = createSqsClient(aws());
  const queues = await createQueues(sqs);
  const app = createApp({
    pool,
    sqs,
    queueUrl: queues.queueUrl,
    orderSigner: createOrderSigner(orderSigning),
    logger: createLogger({
      name: 'api-gateway-test',
      level: (process.env.TEST_LOG_LEVEL as 'error' | undefined) ?? 'silent',
    }),
    jwtSigningKey: jwt.signingKey,
    jwtTtlSeconds: 3600,
    secureCookies: true,
    colour: 'blue',
    buildId: 'test',
    ...overrides,
  });
  await app.start();
  const server: Server = createServer(app.express);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    pool,
    sqs,
    queues,
    async close() {
      app.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      for (const url of [queues.queueUrl, queues.deadLetterQueueUrl]) {
        await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
      }
      await pool.end();
      sqs.destroy();
    },
  };
}

/** Response bodies in tests: checked by the assertions that read them. */
// biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary JSON and asserts on it
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

/** A browser-like client: keeps cookies, sends the CSRF token it was given. */
export class Client {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(readonly baseUrl: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: string,
    path: string,
    options: {
      json?: unknown;
      raw?: string;
      contentType?: string;
      headers?: Record<string, string>;
      csrf?: boolean;
    } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader();
    if ((options.csrf ?? method !== 'GET') && this.csrfToken)
      headers['x-csrf-token'] ??= this.csrfToken;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.raw !== undefined) {
      body = options.raw;
      if (options.contentType) headers['content-type'] = options.contentType;
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const reply: Reply = { status: res.status, headers: res.headers, body: parsed, text };
    if (reply.body && typeof reply.body === 'object' && 'csrfToken' in reply.body) {
      this.csrfToken = (reply.body as { csrfToken: string }).csrfToken;
    }
    return reply;
  }

  async fetchCsrf(): Promise<void> {
    await this.request('GET', '/api/v1/auth/csrf');
  }

  /** Registers a new, unique user and leaves this client signed in as them. */
  async registerNew(prefix = 'user'): Promise<{ id: number; email: string; password: string }> {
    await this.fetchCsrf();
    const email = `${prefix}-${randomUUID()}@example.com`;
    const password = 'correct horse 42 battery';
    const reply = await this.request('POST', '/api/v1/auth/register', {
      json: { email, password },
    });
    if (reply.status !== 201) throw new Error(`register failed: ${reply.status} ${reply.text}`);
    return { id: reply.body.user.id, email, password };
  }

  async placeOrder(
    productId: number,
    quantity: number,
    key: string = randomUUID(),
  ): Promise<Reply> {
    return this.request('POST', '/api/v1/orders', {
      json: { productId, quantity },
      headers: { 'idempotency-key': key },
    });
  }
}

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const PROCESSOR_MAIN = fileURLToPath(
  new URL('../../order-processor/dist/main.js', import.meta.url),
);

/** The real order processor, built, as a child process reading `queueUrl`. */
export async function startProcessor(
  queueUrl: string,
  healthPort: number,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const child = spawn('node', [PROCESSOR_MAIN], {
    env: {
      ...process.env,
      ...durableEnv(),
      ORDERS_QUEUE_URL: queueUrl,
      HEALTH_PORT: String(healthPort),
      LOG_LEVEL: 'warn',
      PAUSE_MAX_BACKOFF_MS: '500',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await eventually('the processor to be ready', async () => {
    if (child.exitCode !== null) throw new Error(`the processor exited with ${child.exitCode}`);
    return fetch(`http://127.0.0.1:${healthPort}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
  });
  return child;
}

export async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  child.kill('SIGTERM');
  return exited;
}
