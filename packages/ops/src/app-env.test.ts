import { describe, expect, it } from 'vitest';
import { appEnvironment } from './app-env.js';
import { envPaths } from './paths.js';
import { durableNames, LB_UPSTREAM_ADDRESS } from './plan.js';

describe('appEnvironment', () => {
  it('names the secrets the apps read, and trusts X-Forwarded-For from nginx alone', () => {
    const env = appEnvironment('ci');
    const names = durableNames('ci').secrets;
    expect(env).toMatchObject({
      DB_SECRET_NAME: names.dbApp,
      JWT_SECRET_NAME: names.jwt,
      ORDER_SIGNING_SECRET_NAME: names.orderSigning,
      TRUSTED_PROXIES: LB_UPSTREAM_ADDRESS,
      // The emulator loses its queues on a restart; the processor makes its own again.
      ORDERS_QUEUE_RECREATE: 'true',
    });
    expect(LB_UPSTREAM_ADDRESS).not.toBe('127.0.0.1');
  });

  it('gives operators the root login as a file only they read, never a secret the apps could', () => {
    const apps = appEnvironment('ci');
    const operator = appEnvironment('ci', { operator: true });
    for (const env of [apps, operator]) {
      expect(Object.values(env).join(' ')).not.toMatch(/db\/root/);
      expect(env.DB_ROOT_SECRET_NAME).toBeUndefined();
    }
    expect(apps.DB_ROOT_CREDENTIALS_FILE).toBeUndefined();
    expect(operator.DB_ROOT_CREDENTIALS_FILE).toBe(envPaths('ci').credentials);
  });
});
