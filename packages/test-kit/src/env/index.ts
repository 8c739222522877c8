import { fileURLToPath } from 'node:url';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createSecretsReader } from '@echobase/infra/secrets';
import type { z } from 'zod';

/**
 * Integration tests and benchmarks run against the real native ci durable layer (MariaDB,
 * moto, ElasticMQ), whose settings the test command exports:
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
  'AWS_ENDPOINT_URL_SQS',
  'AWS_REGION',
  // Where the apps a test starts send their spans: the environment's Jaeger.
  'OTEL_EXPORTER_OTLP_ENDPOINT',
] as const;

export type DurableEnv = Record<(typeof REQUIRED)[number], string>;

/** The checkout's root folder (this file is at packages/test-kit/{src,dist}/env/). */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The durable layer's settings from the environment; names every one that is missing. */
export function durableEnv(): DurableEnv {
  const missing = REQUIRED.filter((key) => !process.env[key]);
  if (missing.length > 0) {
    throw new Error(
      `this needs the ci durable layer (missing ${missing.join(', ')}): ` +
        `./durable/setup.sh ci && eval "$(npx echobase durable env ci --export --operator)"`,
    );
  }
  return Object.fromEntries(REQUIRED.map((key) => [key, process.env[key]])) as DurableEnv;
}

/** Where the AWS endpoint of Secrets Manager and KMS (moto) is, for the SDK clients of infra. */
export function awsConfig(): { region: string; endpoint: string } {
  const env = durableEnv();
  return { region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL };
}

/** Where the SQS endpoint (ElasticMQ) is, as the apps find it. */
export function sqsConfig(): { region: string; endpoint: string } {
  const env = durableEnv();
  return { region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_SQS };
}

/** A JSON secret from Secrets Manager, checked against `schema`, as an app reads it. */
export async function readSecret<T>(name: string, schema: z.ZodType<T>): Promise<T> {
  const reader = createSecretsReader({ ...awsConfig(), retries: 2 });
  try {
    return await reader.getJson(name, schema);
  } finally {
    reader.close();
  }
}

/**
 * Creates the JSON secret `name`, or gives it a new value: a test's own secret on the ci
 * endpoint (a rotation, say), never one a stack reads. `deleteSecret` removes it again.
 */
export async function writeSecret(name: string, value: unknown): Promise<void> {
  const sm = new SecretsManagerClient(awsConfig());
  const SecretString = JSON.stringify(value);
  try {
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString })).catch((error) => {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      return sm.send(new CreateSecretCommand({ Name: name, SecretString }));
    });
  } finally {
    sm.destroy();
  }
}

export async function deleteSecret(name: string): Promise<void> {
  const sm = new SecretsManagerClient(awsConfig());
  try {
    await sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
  } finally {
    sm.destroy();
  }
}
