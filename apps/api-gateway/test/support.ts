import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { createLogger } from '@echobase/infra/logger';
import type { QueuePair } from '@echobase/infra/queue';
import { jwtSecretSchema } from '@echobase/infra/secrets';
import { appPool } from '@echobase/test-kit/db';
import { durableEnv, readSecret } from '@echobase/test-kit/env';
import { createQueues, deleteQueues, orderSigner, sqsClient } from '@echobase/test-kit/queue';
import { type App, type AppDeps, createApp } from '../src/app.js';
import { createHttpServer } from '../src/http/server.js';

/**
 * Integration tests run the API in this process against the real native ci durable layer
 * (MariaDB, moto, ElasticMQ); the helpers they share with other workspaces are in @echobase/test-kit.
 */

/** The key the API signs sessions with, from Secrets Manager. */
export async function jwtSigningKey(): Promise<string> {
  return (await readSecret(durableEnv().JWT_SECRET_NAME, jwtSecretSchema)).signingKey;
}

export interface Harness {
  url: string;
  app: App;
  pool: Pool;
  sqs: SQSClient;
  queues: QueuePair;
  close(): Promise<void>;
}

/**
 * The API in this process, with real MariaDB, moto and ElasticMQ, on an ephemeral port, served by the
 * same HTTP server factory as production.
 */
export async function startApi(overrides: Partial<AppDeps> = {}): Promise<Harness> {
  const pool = await appPool();
  const sqs = sqsClient();
  const queues = await createQueues(sqs, { visibilityTimeoutSeconds: 5 });
  const app = createApp({
    pool,
    sqs,
    queueUrl: queues.queueUrl,
    orderSigner: await orderSigner(),
    logger: createLogger({
      name: 'api-gateway-test',
      level: (process.env.TEST_LOG_LEVEL as 'error' | undefined) ?? 'silent',
    }),
    jwtSigningKey: await jwtSigningKey(),
    jwtTtlSeconds: 3600,
    secureCookies: true,
    colour: 'blue',
    buildId: 'test',
    ...overrides,
  });
  await app.start();
  const server: Server = createHttpServer(app.express);
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
      await deleteQueues(sqs, queues);
      await pool.end();
      sqs.destroy();
    },
  };
}
