import { awsEnv, dbEnv, logEnv, parseEnv, portNumber } from '@echobase/infra/env';
import { z } from 'zod';
import { isTrustedProxyEntry } from './http/trusted-proxies.js';

/** The one place the API gateway reads process.env; every bad or missing key is named at start. */
const schema = z.object({
  ...dbEnv.shape,
  ...awsEnv.shape,
  ...logEnv.shape,
  PORT: portNumber.default(3101),
  /** Listen address; loopback unless the stack runs in a container. */
  HOST: z.string().min(1).default('127.0.0.1'),
  JWT_SECRET_NAME: z.string().min(1, 'must not be empty'),
  /** The secret holding the key that signs order messages: echobase/<env>/orders/signing. */
  ORDER_SIGNING_SECRET_NAME: z.string().min(1, 'must not be empty'),
  ORDERS_QUEUE_URL: z.url({ error: 'must be a URL' }),
  COLOUR: z.enum(['blue', 'green']).optional(),
  BUILD_ID: z.string().min(1).max(64).default('dev'),
  /** Session lifetime. */
  JWT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(8 * 3600),
  /**
   * The load balancer, whose X-Forwarded-For names the client: comma-separated IP addresses,
   * CIDR ranges or host names. None by default, so a client's own address is what counts.
   */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    )
    .pipe(
      z.array(
        z
          .string()
          .refine(isTrustedProxyEntry, 'must be an IP address, a CIDR range or a host name'),
      ),
    ),
  /** Off only for plain-HTTP development without localhost; never in production. */
  COOKIE_SECURE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});

export type Env = z.output<typeof schema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return parseEnv(schema, source);
}
