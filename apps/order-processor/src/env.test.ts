import { ConfigError } from '@echobase/infra/env';
import { describe, expect, it } from 'vitest';
import { readEnv } from './env.js';

const base = {
  DB_HOST: '127.0.0.1',
  DB_PORT: '3307',
  DB_NAME: 'orders_db',
  DB_SECRET_NAME: 'echobase/ci/db/app',
  ORDERS_QUEUE_URL: 'http://127.0.0.1:4567/123456789012/echobase-ci-blue-orders',
  ORDER_SIGNING_SECRET_NAME: 'echobase/ci/orders/signing',
};

describe('readEnv', () => {
  it('applies the defaults', () => {
    expect(readEnv(base)).toMatchObject({
      DB_PORT: 3307,
      HEALTH_PORT: 3102,
      HEALTH_HOST: '127.0.0.1',
      BUILD_ID: 'dev',
      PAUSE_MAX_BACKOFF_MS: 5000,
      ORDER_REPUBLISH_AFTER_MS: 60_000,
      ORDER_PROCESSOR_CRASH_AFTER_WRITE: false,
      LOG_LEVEL: 'info',
      AWS_REGION: 'us-east-1',
    });
  });

  it('reads the test-only crash hook as a flag', () => {
    expect(
      readEnv({ ...base, ORDER_PROCESSOR_CRASH_AFTER_WRITE: '1' })
        .ORDER_PROCESSOR_CRASH_AFTER_WRITE,
    ).toBe(true);
  });

  it('names every bad or missing key at once, never a value', () => {
    const error = (() => {
      try {
        readEnv({
          ...base,
          ORDERS_QUEUE_URL: 'not-a-url',
          DB_SECRET_NAME: undefined,
          ORDER_SIGNING_SECRET_NAME: undefined,
          ORDER_REPUBLISH_AFTER_MS: '10',
          COLOUR: 'red',
          HEALTH_PORT: '99999',
        });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'COLOUR',
      'DB_SECRET_NAME',
      'HEALTH_PORT',
      'ORDERS_QUEUE_URL',
      'ORDER_REPUBLISH_AFTER_MS',
      'ORDER_SIGNING_SECRET_NAME',
    ]);
    expect(error.message).not.toContain('not-a-url');
  });
});
