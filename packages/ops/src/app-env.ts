import { envPaths } from './paths.js';
import {
  DATABASE_NAME,
  durableNames,
  type EnvName,
  LB_UPSTREAM_ADDRESS,
  LOOPBACK,
  PORT_PLAN,
} from './plan.js';
import { awsEndpoint, EMULATOR_CREDENTIALS } from './provision/aws.js';

/**
 * The settings an app (or a test) needs to use an environment's durable layer natively. No
 * password is here: apps read their database login from the secret named in DB_SECRET_NAME.
 * `operator` adds, for tests that create scratch databases, the migrator secret's name and the
 * operator's credentials file (mode 0600), the only place the root login is kept.
 */
export function appEnvironment(env: EnvName, { operator = false } = {}): Record<string, string> {
  const plan = PORT_PLAN[env];
  const names = durableNames(env);
  const aws = awsEndpoint(plan.durable.aws);
  return {
    ECHOBASE_ENV: env,
    DB_HOST: LOOPBACK,
    DB_PORT: String(plan.durable.mariadb),
    DB_NAME: DATABASE_NAME,
    DB_SECRET_NAME: names.secrets.dbApp,
    JWT_SECRET_NAME: names.secrets.jwt,
    ORDER_SIGNING_SECRET_NAME: names.secrets.orderSigning,
    // X-Forwarded-For is believed only from the address nginx connects from.
    TRUSTED_PROXIES: LB_UPSTREAM_ADDRESS,
    AWS_REGION: aws.region,
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_ENDPOINT_URL_SQS: awsEndpoint(plan.durable.sqs).endpoint,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    // The emulator keeps queues in memory: the processor recreates its queue after a restart.
    ORDERS_QUEUE_RECREATE: 'true',
    // Spans go to the environment's Jaeger (OTLP over HTTP).
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${LOOPBACK}:${plan.durable.otlp}`,
    ...(operator
      ? {
          DB_ROOT_CREDENTIALS_FILE: envPaths(env).credentials,
          DB_MIGRATOR_SECRET_NAME: names.secrets.dbMigrator,
        }
      : {}),
  };
}
