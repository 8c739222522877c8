import { createDbPool } from '@echobase/infra/db';
import { keepRunning, sqsEndpoint, startService } from '@echobase/infra/env';
import { createLogger } from '@echobase/infra/logger';
import { createOrderSigner, createSqsClient } from '@echobase/infra/queue';
import {
  createSecretsReader,
  dbCredentialsSchema,
  jwtSecretSchema,
  orderSigningSecretSchema,
} from '@echobase/infra/secrets';
import { flushTraces } from '@echobase/infra/tracing';
import { createApp } from './app.js';
import { type Env, readEnv } from './env.js';
import { createHttpServer } from './http/server.js';

/** Wires the API gateway: settings → secrets → clients → app → server, and SIGTERM. */
async function main(env: Env): Promise<void> {
  const logger = createLogger({
    name: 'api-gateway',
    level: env.LOG_LEVEL,
    base: { buildId: env.BUILD_ID, ...(env.COLOUR ? { colour: env.COLOUR } : {}) },
  });
  keepRunning(logger, 'serving');
  const aws = { region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL };
  const secrets = createSecretsReader(aws);
  const [login, jwtSecret, orderSigning] = await Promise.all([
    secrets.getJson(env.DB_SECRET_NAME, dbCredentialsSchema),
    secrets.getJson(env.JWT_SECRET_NAME, jwtSecretSchema),
    secrets.getJson(env.ORDER_SIGNING_SECRET_NAME, orderSigningSecretSchema),
  ]).finally(() => secrets.close());

  const pool = createDbPool({
    host: env.DB_HOST,
    port: env.DB_PORT,
    database: env.DB_NAME,
    user: login.username,
    password: login.password,
    connectionLimit: 20,
  });
  const sqs = createSqsClient({ ...aws, endpoint: sqsEndpoint(env) });
  const app = createApp({
    pool,
    sqs,
    queueUrl: env.ORDERS_QUEUE_URL,
    orderSigner: createOrderSigner(orderSigning),
    logger,
    jwtSigningKey: jwtSecret.signingKey,
    jwtTtlSeconds: env.JWT_TTL_SECONDS,
    secureCookies: env.COOKIE_SECURE,
    colour: env.COLOUR,
    buildId: env.BUILD_ID,
    trustedProxies: env.TRUSTED_PROXIES,
  });
  await app.start();

  const server = createHttpServer(app.express);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.PORT, env.HOST, resolve);
  });
  logger.info({ port: env.PORT, host: env.HOST }, 'api-gateway listening');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in 20 s; closing anyway');
      server.closeAllConnections();
    }, 20_000);
    force.unref();
    server.close(async () => {
      app.stop();
      await pool.end().catch(() => undefined);
      sqs.destroy();
      await flushTraces();
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

startService('api-gateway', readEnv, main);
