import {
  CreateAliasCommand,
  CreateKeyCommand,
  KMSClient,
  ListAliasesCommand,
} from '@aws-sdk/client-kms';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '@echobase/infra/queue';
import { OpsError } from '../errors.js';
import {
  APP_DB_USER,
  AWS_REGION,
  durableNames,
  type EnvName,
  MIGRATOR_DB_USER,
  PORT_PLAN,
} from '../plan.js';
import type { Credentials } from './credentials.js';

/** Emulators accept any key; these are not secrets and never reach real AWS. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'echobase', secretAccessKey: 'echobase' };

export interface AwsEndpoint {
  endpoint: string;
  region: string;
}

export function awsEndpoint(port: number): AwsEndpoint {
  return { endpoint: `http://127.0.0.1:${port}`, region: AWS_REGION };
}

/** An SQS client for an environment's SQS endpoint (ElasticMQ), as the CLI reaches it from this host. */
export function emulatorSqs(env: EnvName): SQSClient {
  return createSqsClient({
    ...awsEndpoint(PORT_PLAN[env].durable.sqs),
    credentials: EMULATOR_CREDENTIALS,
  });
}

function clientConfig(aws: AwsEndpoint) {
  return {
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: EMULATOR_CREDENTIALS,
    maxAttempts: 3,
  };
}

/** The secrets of an environment and the JSON each holds. */
export function secretValues(env: EnvName, creds: Credentials): Record<string, string> {
  const names = durableNames(env).secrets;
  return {
    [names.dbMigrator]: JSON.stringify({
      username: MIGRATOR_DB_USER,
      password: creds.dbMigratorPassword,
    }),
    [names.dbApp]: JSON.stringify({ username: APP_DB_USER, password: creds.dbAppPassword }),
    [names.jwt]: JSON.stringify({ signingKey: creds.jwtSigningKey }),
    [names.orderSigning]: JSON.stringify({ signingKey: creds.orderSigningKey }),
    [names.lbAdmin]: JSON.stringify({ token: creds.lbAdminToken }),
  };
}

export interface SeedResult {
  keyCreated: boolean;
  seeded: string[];
  /** Retired secrets (the DB root login) taken out of the endpoint. */
  removed: string[];
}

/**
 * Makes sure the environment's KMS key and secrets exist in the AWS endpoint, creating what is
 * missing (a fresh environment, or an emulator that restarted and lost everything). Secrets that
 * exist are compared, never overwritten: a mismatch is an error an operator must look at.
 * Retired secrets still there are deleted.
 */
export async function ensureSecrets(
  env: EnvName,
  creds: Credentials,
  aws: AwsEndpoint,
): Promise<SeedResult> {
  const kms = new KMSClient(clientConfig(aws));
  const sm = new SecretsManagerClient(clientConfig(aws));
  try {
    const alias = durableNames(env).kmsAlias;
    const aliases = await kms.send(new ListAliasesCommand({}));
    let keyCreated = false;
    if (!aliases.Aliases?.some((a) => a.AliasName === alias)) {
      const key = await kms.send(
        new CreateKeyCommand({
          Description: `echobase ${env} secrets`,
          KeyUsage: 'ENCRYPT_DECRYPT',
        }),
      );
      await kms.send(
        new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyMetadata?.KeyId }),
      );
      keyCreated = true;
    }
    const seeded: string[] = [];
    for (const [name, value] of Object.entries(secretValues(env, creds))) {
      const current = await sm
        .send(new GetSecretValueCommand({ SecretId: name }))
        .then((out) => out.SecretString)
        .catch((error: unknown) => {
          if (error instanceof ResourceNotFoundException) return undefined;
          throw error;
        });
      if (current === undefined) {
        await sm.send(
          new CreateSecretCommand({ Name: name, SecretString: value, KmsKeyId: alias }),
        );
        seeded.push(name);
      } else if (current !== value) {
        throw new OpsError(
          `secret ${name} in the AWS endpoint differs from this environment's credentials file; ` +
            'it was changed outside echobase, so nothing was overwritten',
        );
      }
    }
    const removed: string[] = [];
    for (const name of durableNames(env).retiredSecrets) {
      // A forced delete of a secret that does not exist succeeds (AWS and moto alike), so ask
      // first: only a secret that was really there is reported removed.
      const present = await sm.send(new DescribeSecretCommand({ SecretId: name })).then(
        () => true,
        (error: unknown) => {
          if (error instanceof ResourceNotFoundException) return false;
          throw error;
        },
      );
      if (!present) continue;
      await sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
      removed.push(name);
    }
    return { keyCreated, seeded, removed };
  } finally {
    kms.destroy();
    sm.destroy();
  }
}
