import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DeleteQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createDbPool, type Pool } from '@echobase/infra/db';
import {
  createOrderSigner,
  createSqsClient,
  ensureQueuePair,
  type OrderSigner,
  type QueuePair,
} from '@echobase/infra/queue';
import {
  createSecretsReader,
  dbCredentialsSchema,
  orderSigningSecretSchema,
} from '@echobase/infra/secrets';
import { appEnvironment, createReporter, setupDurable } from '@echobase/ops';

/** Benchmarks run against the native ci durable layer, set up here if it is not running. */
export const settings = appEnvironment('ci', { operator: true });
// The SDK clients here and the apps started from here read these (emulator credentials, endpoint).
Object.assign(process.env, settings);

export async function ensureDurable(): Promise<void> {
  await setupDurable({ env: 'ci', runtime: 'native', report: createReporter(process.stderr) });
}

export function sqsClient(): SQSClient {
  return createSqsClient({
    region: settings.AWS_REGION as string,
    endpoint: settings.AWS_ENDPOINT_URL,
  });
}

export async function freshQueues(
  sqs: SQSClient,
  label: string,
): Promise<QueuePair & { remove(): Promise<void> }> {
  const name = `echobase-bench-${label}-${randomUUID().slice(0, 8)}`;
  const pair = await ensureQueuePair(sqs, { name, deadLetterName: `${name}-dlq` });
  return {
    ...pair,
    async remove() {
      for (const url of [pair.queueUrl, pair.deadLetterQueueUrl]) {
        await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
      }
    },
  };
}

export async function appPool(): Promise<Pool> {
  const reader = createSecretsReader({
    region: settings.AWS_REGION as string,
    endpoint: settings.AWS_ENDPOINT_URL,
  });
  const login = await reader
    .getJson(settings.DB_SECRET_NAME as string, dbCredentialsSchema)
    .finally(() => reader.close());
  return createDbPool({
    host: settings.DB_HOST as string,
    port: Number(settings.DB_PORT),
    database: settings.DB_NAME as string,
    user: login.username,
    password: login.password,
    connectionLimit: 20,
  });
}

/** Signs order messages with the environment's key, as the API does. */
export async function orderSigner(): Promise<OrderSigner> {
  const reader = createSecretsReader({
    region: settings.AWS_REGION as string,
    endpoint: settings.AWS_ENDPOINT_URL,
  });
  const secret = await reader
    .getJson(settings.ORDER_SIGNING_SECRET_NAME as string, orderSigningSecretSchema)
    .finally(() => reader.close());
  return createOrderSigner(secret);
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs a built app (dist/main.js) as its own process, as in production, until `stop()`. */
export async function startApp(
  app: 'api-gateway' | 'order-processor',
  env: Record<string, string>,
  readyUrl: string,
): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const main = fileURLToPath(new URL(`../../apps/${app}/dist/main.js`, import.meta.url));
  const child = spawn('node', [main], {
    env: { ...process.env, ...settings, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitUntil(`${app} to answer`, () =>
    fetch(readyUrl).then(
      (r) => r.ok,
      () => false,
    ),
  );
  return {
    child,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A signed-in session on the API: its cookie header and CSRF token. */
export async function signIn(
  baseUrl: string,
): Promise<{ cookie: string; csrfToken: string; userId: number }> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrf = await fetch(`${baseUrl}/api/v1/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const reg = await fetch(`${baseUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken, cookie: cookie() },
    body: JSON.stringify({
      email: `bench-${randomUUID()}@example.com`,
      password: 'benchmark password 1',
    }),
  });
  keep(reg);
  const body = (await reg.json()) as { user: { id: number }; csrfToken: string };
  return { cookie: cookie(), csrfToken: body.csrfToken, userId: body.user.id };
}

export async function writeResults(
  name: string,
  results: Record<string, unknown>,
): Promise<string> {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const file = `${dir}${name}.json`;
  const full = {
    benchmark: name,
    at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    ...results,
  };
  await writeFile(file, `${JSON.stringify(full, null, 2)}\n`);
  return file;
}

export function print(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}
