import { describe, expect, it } from 'vitest';
import { createDbPool } from '../src/db/index.js';
import { createSecretsReader, jwtSecretSchema, SecretError } from '../src/secrets/index.js';
import { durableEnv, readLogin } from './support.js';

describe('secrets reader against the real AWS endpoint', () => {
  it('reads the app login and the JWT key', async () => {
    const env = durableEnv();
    const login = await readLogin(env.appSecret);
    expect(login.username).toBe('app_user');
    const reader = createSecretsReader(env.aws);
    const jwt = await reader.getJson(env.appSecret.replace(/db\/app$/, 'jwt'), jwtSecretSchema);
    reader.close();
    expect(jwt.signingKey.length).toBeGreaterThanOrEqual(64);
  });

  it('fails at once, naming the secret, for one that does not exist', async () => {
    const reader = createSecretsReader({ ...durableEnv().aws, minTimeoutMs: 1 });
    const started = Date.now();
    const error = await reader
      .getJson('echobase/ci/no-such-secret', jwtSecretSchema)
      .catch((e: unknown) => e);
    reader.close();
    expect(error).toBeInstanceOf(SecretError);
    expect((error as Error).message).toBe(
      'secret echobase/ci/no-such-secret: could not be read (ResourceNotFoundException)',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('database pool as the app user', () => {
  it('reads the catalogue with money as exact strings', async () => {
    const env = durableEnv();
    const login = await readLogin(env.appSecret);
    const pool = createDbPool({
      host: env.host,
      port: env.port,
      database: env.database,
      user: login.username,
      password: login.password,
    });
    try {
      const [rows] = await pool.query("SELECT price FROM products WHERE sku = 'PC-042'");
      expect(rows).toEqual([{ price: '89.50' }]);
    } finally {
      await pool.end();
    }
  });

  it('cannot change the schema or reach other databases', async () => {
    const env = durableEnv();
    const login = await readLogin(env.appSecret);
    const pool = createDbPool({
      host: env.host,
      port: env.port,
      database: env.database,
      user: login.username,
      password: login.password,
    });
    try {
      await expect(pool.query('DROP TABLE products')).rejects.toMatchObject({
        code: 'ER_TABLEACCESS_DENIED_ERROR',
      });
      await expect(pool.query('CREATE TABLE sneaky (id INT)')).rejects.toMatchObject({
        code: 'ER_TABLEACCESS_DENIED_ERROR',
      });
      await expect(pool.query('SELECT * FROM mysql.user')).rejects.toMatchObject({
        code: 'ER_TABLEACCESS_DENIED_ERROR',
      });
    } finally {
      await pool.end();
    }
  });
});
