import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from './throttle.js';

describe('login throttle', () => {
  const limits = { perAccountAndClient: 3, perClient: 5, blockSeconds: 60 };

  it('blocks an account from one client after too many failures, but not from another client', async () => {
    const throttle = createLoginThrottle(limits);
    for (let i = 0; i < 3; i++) {
      await throttle.check('a@example.com', '10.0.0.1');
      await throttle.failed('a@example.com', '10.0.0.1');
    }
    await expect(throttle.check('a@example.com', '10.0.0.1')).rejects.toMatchObject({
      code: 'too_many_requests',
      status: 429,
    });
    await expect(throttle.check('a@example.com', '10.0.0.2')).resolves.toBeUndefined();
    await expect(throttle.check('b@example.com', '10.0.0.1')).resolves.toBeUndefined();
  });

  it('blocks one client spraying many accounts', async () => {
    const throttle = createLoginThrottle(limits);
    for (let i = 0; i < 5; i++) await throttle.failed(`user${i}@example.com`, '10.0.0.9');
    const error = await throttle.check('fresh@example.com', '10.0.0.9').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'too_many_requests' });
    expect((error as { retryAfter: number }).retryAfter).toBeGreaterThan(0);
  });

  it('forgives an account and client pair after a successful login', async () => {
    const throttle = createLoginThrottle(limits);
    for (let i = 0; i < 2; i++) await throttle.failed('a@example.com', '10.0.0.1');
    await throttle.succeeded('a@example.com', '10.0.0.1');
    for (let i = 0; i < 2; i++) await throttle.failed('a@example.com', '10.0.0.1');
    await expect(throttle.check('a@example.com', '10.0.0.1')).resolves.toBeUndefined();
  });
});
