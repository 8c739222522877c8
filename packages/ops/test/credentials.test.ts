import { readFile, writeFile } from 'node:fs/promises';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envPaths } from '../src/paths.js';
import { durableNames, PORT_PLAN } from '../src/plan.js';
import { awsEndpoint, EMULATOR_CREDENTIALS } from '../src/provision/aws.js';
import { cli, nativeOnly, ROOT, sql } from './support.js';

nativeOnly('credentials.test.ts');

/**
 * An environment set up before the order signing key and the admin token existed upgrades in
 * place on the real native ci layer: setup adds them, stores them, and keeps every password.
 */
const file = envPaths('ci', ROOT).credentials;
const names = durableNames('ci').secrets;
const sm = new SecretsManagerClient({
  ...awsEndpoint(PORT_PLAN.ci.durable.aws),
  credentials: EMULATOR_CREDENTIALS,
});
let original: string | undefined;
beforeAll(async () => {
  expect((await cli(['durable', 'setup', 'ci'])).code).toBe(0);
  original = await readFile(file, 'utf8');
});
/**
 * The colours left running by earlier tests hold the keys they read at start: the environment
 * gets its own keys back (file, then the store re-seeded from it), as if this never happened.
 */
afterAll(async () => {
  if (original !== undefined) {
    await writeFile(file, original, { mode: 0o600 });
    for (const name of [names.orderSigning, names.lbAdmin]) {
      await sm
        .send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }))
        .catch(() => undefined);
    }
    const setup = await cli(['durable', 'setup', 'ci']);
    expect(setup.code, setup.stderr).toBe(0);
  }
  sm.destroy();
});

const secret = async (name: string) =>
  JSON.parse(
    (await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString ?? 'null',
  ) as unknown;

describe('credentials of an existing environment (native, ci)', () => {
  it('gains the values introduced later, generated once, without regenerating a password', async () => {
    const { orderSigningKey, lbAdminToken, ...old } = JSON.parse(
      await readFile(file, 'utf8'),
    ) as Record<string, string>;
    expect(orderSigningKey).toBeDefined();
    expect(lbAdminToken).toBeDefined();
    // What an environment created before them looks like: neither in the file nor stored.
    await writeFile(file, `${JSON.stringify(old, null, 2)}\n`, { mode: 0o600 });
    for (const name of [names.orderSigning, names.lbAdmin]) {
      await sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    }

    const setup = await cli(['durable', 'setup', 'ci']);
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stderr).toMatch(/re-seeded 2 secrets/);
    const upgraded = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    expect(upgraded).toMatchObject(old);
    expect(upgraded.orderSigningKey).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(upgraded.orderSigningKey).not.toBe(orderSigningKey);
    expect(await secret(names.orderSigning)).toEqual({ signingKey: upgraded.orderSigningKey });
    expect(await secret(names.lbAdmin)).toEqual({ token: upgraded.lbAdminToken });
    // The running nginx took the new token (reloaded, not restarted): the admin API accepts it.
    expect(setup.stderr).toMatch(/nginx\s+reloaded: the admin token changed/);
    const lb = await cli(['lb', 'status', '--env', 'ci']);
    expect(lb.code, lb.stderr).toBe(0);
    expect(lb.stdout).toMatch(/^production on ci routes to/);

    const again = await cli(['durable', 'setup', 'ci']);
    expect(again.stderr).toMatch(/all secrets present/);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(upgraded);
  });

  it('keeps the DB root login out of the AWS endpoint the apps read, even one that had it', async () => {
    const rootSecret = 'echobase/ci/db/root';
    const { dbRootPassword } = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    // An endpoint seeded by an earlier version holds the root login.
    await sm
      .send(
        new CreateSecretCommand({
          Name: rootSecret,
          SecretString: JSON.stringify({ username: 'root', password: dbRootPassword }),
        }),
      )
      .catch(() => {});
    const setup = await cli(['durable', 'setup', 'ci']);
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stderr).toMatch(/removed echobase\/ci\/db\/root/);
    await expect(secret(rootSecret)).rejects.toBeInstanceOf(ResourceNotFoundException);

    // Operators still reach MariaDB as root, from the credentials file.
    const operator = await cli(['durable', 'env', 'ci', '--operator']);
    expect(operator.stdout).toContain(`DB_ROOT_CREDENTIALS_FILE=${file}\n`);
    expect(operator.stdout).not.toContain(dbRootPassword);
    const grants = await sql<Record<string, string>>('ci', 'SHOW GRANTS', [], 'dbRoot');
    expect(Object.values(grants[0] ?? {}).join()).toMatch(/ALL PRIVILEGES ON \*\.\*/);
  });
});
