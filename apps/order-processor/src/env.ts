import { awsEnv, dbEnv, logEnv, parseEnv, portNumber } from '@echobase/infra/env';
import { z } from 'zod';

/** The one place the order processor reads process.env; every bad or missing key is named at start. */
const schema = z.object({
  ...dbEnv.shape,
  ...awsEnv.shape,
  ...logEnv.shape,
  /** This colour's order queue (its DLQ is set on the queue by its redrive policy). */
  ORDERS_QUEUE_URL: z.url({ error: 'must be a URL' }),
  /** The secret holding the key that signs order messages: echobase/<env>/orders/signing. */
  ORDER_SIGNING_SECRET_NAME: z.string().min(1, 'must not be empty'),
  /** An order still `queued` this long has its message re-published from its row. */
  ORDER_REPUBLISH_AFTER_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number')
    .min(1_000, 'must be at least 1000')
    .max(86_400_000, 'must be at most 86400000')
    .default(60_000),
  /**
   * Recreate the queue and its DLQ when they vanish: for an emulator that keeps queues in
   * memory (ElasticMQ here). Off by default: on AWS queues do not vanish, and the processor's role then
   * needs no right to create them.
   */
  ORDERS_QUEUE_RECREATE: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  HEALTH_PORT: portNumber.default(3102),
  /** Listen address of the health server; loopback unless the stack runs in a container. */
  HEALTH_HOST: z.string().min(1).default('127.0.0.1'),
  COLOUR: z.enum(['blue', 'green']).optional(),
  BUILD_ID: z.string().min(1).max(64).default('dev'),
  /** Longest wait between database checks while consumption is paused for an outage. */
  PAUSE_MAX_BACKOFF_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number')
    .min(250, 'must be at least 250')
    .max(300_000, 'must be at most 300000')
    .default(5_000),
  /**
   * TEST ONLY: kill the process with SIGKILL right after an order's write commits, before its
   * message is deleted, so tests can prove a redelivery writes nothing twice. Never set it
   * anywhere else.
   */
  ORDER_PROCESSOR_CRASH_AFTER_WRITE: z
    .enum(['0', '1', 'true', 'false'], { error: 'must be 1 or 0' })
    .optional()
    .transform((v) => v === '1' || v === 'true'),
});

export type Env = z.output<typeof schema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return parseEnv(schema, source);
}
