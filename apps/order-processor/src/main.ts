import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createDbPool } from '@echobase/infra/db';
import { keepRunning, sqsEndpoint, startService } from '@echobase/infra/env';
import { createLogger } from '@echobase/infra/logger';
import { createRegistry } from '@echobase/infra/metrics';
import {
  createSqsClient,
  deadLetterQueueUrl,
  ensureQueuePair,
  queueDepth,
  queuePairNames,
  reloadingSigner,
} from '@echobase/infra/queue';
import {
  createSecretsReader,
  dbCredentialsSchema,
  orderSigningSecretSchema,
} from '@echobase/infra/secrets';
import { flushTraces } from '@echobase/infra/tracing';
import { type Env, readEnv } from './env.js';
import { failureCode } from './failures.js';
import { createHealthServer } from './health.js';
import { processorMetrics } from './metrics.js';
import { createProcessor, type Processor } from './processor.js';

class StartError extends Error {}

/**
 * The queue's visibility timeout, which also proves at start that the queue exists; a missing
 * queue is made first where `recreate` is given (an emulator restarted since the deploy).
 */
async function visibilityTimeoutMs(
  sqs: SQSClient,
  queueUrl: string,
  recreate?: () => Promise<unknown>,
): Promise<number> {
  try {
    const out = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    return Number(out.Attributes?.VisibilityTimeout ?? 30) * 1000;
  } catch (error) {
    const code = failureCode(error);
    if (code === 'QueueDoesNotExist' && recreate) {
      await recreate();
      return visibilityTimeoutMs(sqs, queueUrl);
    }
    throw new StartError(
      code === 'QueueDoesNotExist'
        ? `the queue ${queueUrl} does not exist (is this colour's stack deployed?)`
        : `cannot reach the queue ${queueUrl} (${code})`,
    );
  }
}

/** Wires the order processor: settings → secrets → clients → processor + health, and SIGTERM. */
async function main(env: Env): Promise<void> {
  const logger = createLogger({
    name: 'order-processor',
    level: env.LOG_LEVEL,
    base: { buildId: env.BUILD_ID, ...(env.COLOUR ? { colour: env.COLOUR } : {}) },
  });
  // A batch an uncaught error interrupted is received again after its visibility timeout.
  keepRunning(logger, 'consuming');
  const aws = { region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL };
  const secrets = createSecretsReader(aws);
  const signingKeys = () =>
    secrets.getJson(env.ORDER_SIGNING_SECRET_NAME, orderSigningSecretSchema);
  const [login, orderSigning] = await Promise.all([
    secrets.getJson(env.DB_SECRET_NAME, dbCredentialsSchema),
    signingKeys(),
  ]).catch((error: unknown) => {
    secrets.close();
    throw error;
  });
  // Kept open: a message signed with a key this process does not know (the secret was
  // rotated since it started) makes it read the signing keys again.
  const signer = reloadingSigner(orderSigning, signingKeys);

  // Long polls last up to 5 s (below): each request gets well more than that.
  const sqs = createSqsClient({ ...aws, endpoint: sqsEndpoint(env), requestTimeoutMs: 15_000 });
  const recreateQueue = env.ORDERS_QUEUE_RECREATE
    ? () => ensureQueuePair(sqs, queuePairNames(env.ORDERS_QUEUE_URL))
    : undefined;
  const shutdownBudgetMs = await visibilityTimeoutMs(sqs, env.ORDERS_QUEUE_URL, recreateQueue);
  const pool = createDbPool({
    host: env.DB_HOST,
    port: env.DB_PORT,
    database: env.DB_NAME,
    user: login.username,
    password: login.password,
    connectionLimit: 5,
  });
  const registry = createRegistry({
    service: 'order-processor',
    colour: env.COLOUR,
    buildId: env.BUILD_ID,
  });
  const deadLetterUrl = deadLetterQueueUrl(env.ORDERS_QUEUE_URL);
  // Read at scrape time only, after the processor below exists.
  let processor: Processor | undefined;
  const metrics = processorMetrics(registry, {
    status: () => (processor as Processor).status(),
    depths: async () => {
      const [orders, deadLetters] = await Promise.all([
        queueDepth(sqs, env.ORDERS_QUEUE_URL),
        queueDepth(sqs, deadLetterUrl),
      ]);
      return { orders, deadLetters };
    },
  });
  processor = createProcessor({
    sqs,
    queueUrl: env.ORDERS_QUEUE_URL,
    pool,
    logger,
    signer,
    republishAfterMs: env.ORDER_REPUBLISH_AFTER_MS,
    recreateQueue,
    pauseMaxBackoffMs: env.PAUSE_MAX_BACKOFF_MS,
    // A stop lets the poll in progress finish; keep it well inside the shutdown budget.
    waitTimeSeconds: Math.max(1, Math.min(5, Math.floor(shutdownBudgetMs / 2000))),
    afterWrite: env.ORDER_PROCESSOR_CRASH_AFTER_WRITE
      ? () => process.kill(process.pid, 'SIGKILL')
      : undefined,
    metrics,
  });
  try {
    await processor.start();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StartError(`cannot use the database (${failureCode(error)})`);
  }

  const health = createHealthServer({
    status: processor.status,
    registry,
    checkDatabase: () => processor.checkDatabase(),
    identity: {
      service: 'order-processor',
      buildId: env.BUILD_ID,
      ...(env.COLOUR ? { colour: env.COLOUR } : {}),
    },
  });
  await new Promise<void>((resolve, reject) => {
    health.once('error', (error) =>
      reject(new StartError(`health port ${env.HEALTH_PORT}: ${failureCode(error)}`)),
    );
    health.listen(env.HEALTH_PORT, env.HEALTH_HOST, resolve);
  });
  logger.info({ port: env.HEALTH_PORT, host: env.HEALTH_HOST }, 'health endpoints listening');

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'stopping: no new messages, finishing the in-flight batch');
    // Past the visibility timeout the batch's messages are redelivered anyway: stop waiting.
    const overdue = setTimeout(() => {
      logger.error(
        { waitedMs: shutdownBudgetMs },
        'the in-flight batch did not finish within the visibility timeout; exiting, its messages will be redelivered',
      );
      process.exit(1);
    }, shutdownBudgetMs);
    overdue.unref();
    await processor.stop();
    // The batch is done: what is left (connections, the last spans, at most 2 s) is not its time.
    clearTimeout(overdue);
    health.closeAllConnections();
    await new Promise((resolve) => health.close(resolve));
    await pool.end().catch(() => undefined);
    sqs.destroy();
    secrets.close();
    await flushTraces();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

startService('order-processor', readEnv, main);
