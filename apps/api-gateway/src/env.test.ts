import { describe, expect, it } from 'vitest';
import { readEnv } from './env.js';

const base = {
  DB_HOST: '127.0.0.1',
  DB_PORT: '3307',
  DB_NAME: 'orders_db',
  DB_SECRET_NAME: 'db',
  JWT_SECRET_NAME: 'jwt',
  ORDER_SIGNING_SECRET_NAME: 'echobase/ci/orders/signing',
  AWS_REGION: 'us-east-1',
  ORDERS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/orders',
};

describe('TRUSTED_PROXIES', () => {
  it('trusts no proxy unless told', () => {
    expect(readEnv(base).TRUSTED_PROXIES).toEqual([]);
    expect(readEnv({ ...base, TRUSTED_PROXIES: '' }).TRUSTED_PROXIES).toEqual([]);
  });

  it('takes comma-separated addresses, CIDR ranges and host names', () => {
    expect(
      readEnv({ ...base, TRUSTED_PROXIES: '127.0.0.2, 172.18.0.0/16,echobase-ci-durable-nginx' })
        .TRUSTED_PROXIES,
    ).toEqual(['127.0.0.2', '172.18.0.0/16', 'echobase-ci-durable-nginx']);
  });

  it('names a bad entry at start', () => {
    expect(() => readEnv({ ...base, TRUSTED_PROXIES: '127.0.0.2,10.0.0.0/40' })).toThrow(
      /TRUSTED_PROXIES\.1 must be an IP address, a CIDR range or a host name/,
    );
  });
});

describe('ORDER_SIGNING_SECRET_NAME', () => {
  it('is required: the API never sends an order it cannot sign', () => {
    const { ORDER_SIGNING_SECRET_NAME: _, ...without } = base;
    expect(() => readEnv(without)).toThrow(/ORDER_SIGNING_SECRET_NAME is missing/);
    expect(readEnv(base).ORDER_SIGNING_SECRET_NAME).toBe('echobase/ci/orders/signing');
  });
});
