import { awsEnv, parseEnv, sqsEndpoint, startService } from '@echobase/infra/env';
import { createSqsClient, ensureQueuePair, queuePairNames } from '@echobase/infra/queue';
import { z } from 'zod';
import { failureCode } from './failures.js';

/**
 * One-shot, for the docker colour stack (`queues` in docker-compose.yml): creates the colour's
 * queue named by ORDERS_QUEUE_URL and its DLQ `<name>-dlq` with the redrive policy, as
 * `echobase stack up` does natively. Creating queues that exist changes nothing.
 */
const schema = z.object({
  ...awsEnv.shape,
  ORDERS_QUEUE_URL: z
    .url({ error: 'must be a URL' })
    .refine((url) => /\/[A-Za-z0-9_-]{1,75}$/.test(url), {
      error: 'must end with the queue name (letters, digits, - and _; at most 75)',
    }),
});

startService(
  'ensure-queues',
  () => parseEnv(schema, process.env),
  async (env) => {
    const names = queuePairNames(env.ORDERS_QUEUE_URL);
    const sqs = createSqsClient({ region: env.AWS_REGION, endpoint: sqsEndpoint(env) });
    try {
      const pair = await ensureQueuePair(sqs, names);
      process.stdout.write(
        `ensure-queues: ${names.name} and ${names.deadLetterName} ready (${pair.queueUrl})\n`,
      );
    } catch (error) {
      throw new Error(`cannot create ${names.name} (${failureCode(error)})`);
    } finally {
      sqs.destroy();
    }
  },
);
