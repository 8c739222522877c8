import { describe, expect, it } from 'vitest';
import { secretValues } from './aws.js';
import { generateCredentials } from './credentials.js';

describe('secretValues', () => {
  const creds = generateCredentials();
  const values = secretValues('ci', creds);
  const json = (name: string) => JSON.parse(values[name] ?? 'null') as unknown;

  it('holds the order signing key and the admin token, each under its own name', () => {
    expect(json('echobase/ci/orders/signing')).toEqual({ signingKey: creds.orderSigningKey });
    expect(json('echobase/ci/lb/admin')).toEqual({ token: creds.lbAdminToken });
  });

  it('keeps the DB root password out of Secrets Manager, where the apps read', () => {
    expect(Object.keys(values).filter((name) => name.includes('root'))).toEqual([]);
    expect(Object.values(values).join(' ')).not.toContain(creds.dbRootPassword);
  });
});
