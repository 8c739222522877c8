import { describe, expect, it } from 'vitest';
import { createAuthThrottle } from './throttle.js';

describe('login throttle', () => {
  const limits = {
    perAccountAndClient: 3,
    perClient: 5,
    blockSeconds: 60,
    registrationsPerClient: 2,
    registrationWindowSeconds: 60,
  };
  /** One login attempt that fails its password check. */
  const fail = (throttle: ReturnType<typeof createAuthThrottle>, email: string, ip: string) =>
    throttle.take(email, ip);

  it('blocks an account from one client after too many failures, but not from another client', async () => {
    const throttle = createAuthThrottle(limits);
    for (let i = 0; i < 3; i++) await fail(throttle, 'a@example.com', '10.0.0.1');
    await expect(throttle.take('a@example.com', '10.0.0.1')).rejects.toMatchObject({
      code: 'too_many_requests',
      status: 429,
    });
    await expect(throttle.take('a@example.com', '10.0.0.2')).resolves.toBeUndefined();
    await expect(throttle.take('b@example.com', '10.0.0.1')).resolves.toBeUndefined();
  });

  it('admits exactly the limit of simultaneous attempts, however many arrive at once', async () => {
    for (const burst of [8, 25]) {
      const throttle = createAuthThrottle(limits);
      const results = await Promise.allSettled(
        Array.from({ length: burst }, () => throttle.take('a@example.com', '10.0.0.1')),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      expect(
        results.filter(
          (r) => r.status === 'rejected' && (r.reason as { status: number }).status === 429,
        ),
      ).toHaveLength(burst - 3);
    }
  });

  it('blocks one client spraying many accounts', async () => {
    const throttle = createAuthThrottle(limits);
    for (let i = 0; i < 5; i++) await fail(throttle, `user${i}@example.com`, '10.0.0.9');
    const error = await throttle.take('fresh@example.com', '10.0.0.9').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'too_many_requests' });
    expect((error as { retryAfter: number }).retryAfter).toBeGreaterThan(0);
  });

  it('gives the points back after a successful login', async () => {
    const throttle = createAuthThrottle(limits);
    for (let i = 0; i < 2; i++) await fail(throttle, 'a@example.com', '10.0.0.1');
    await throttle.take('a@example.com', '10.0.0.1');
    await throttle.succeeded('a@example.com', '10.0.0.1');
    for (let i = 0; i < 3; i++) await fail(throttle, 'a@example.com', '10.0.0.1');
    await expect(throttle.take('a@example.com', '10.0.0.1')).rejects.toMatchObject({
      status: 429,
    });
    // The client spent 2 + 3 + 1 failed points of its 5 here; the successful one came back.
    const other = createAuthThrottle(limits);
    for (let i = 0; i < 20; i++) {
      await other.take(`user${i % 2}@example.com`, '10.0.0.3');
      await other.succeeded(`user${i % 2}@example.com`, '10.0.0.3');
    }
    await expect(other.take('a@example.com', '10.0.0.3')).resolves.toBeUndefined();
  });

  it('gives the points back when the attempt never reached a password check', async () => {
    const throttle = createAuthThrottle(limits);
    for (let i = 0; i < 10; i++) {
      await throttle.take('a@example.com', '10.0.0.1');
      await throttle.giveBack('a@example.com', '10.0.0.1');
    }
    await expect(throttle.take('a@example.com', '10.0.0.1')).resolves.toBeUndefined();
  });
});

describe('registration throttle', () => {
  it('limits registrations per client, not across clients', async () => {
    const throttle = createAuthThrottle({ registrationsPerClient: 2 });
    await throttle.register('10.0.0.1');
    await throttle.register('10.0.0.1');
    const error = await throttle.register('10.0.0.1').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'too_many_requests', status: 429 });
    expect((error as { retryAfter: number }).retryAfter).toBeGreaterThan(0);
    await expect(throttle.register('10.0.0.2')).resolves.toBeUndefined();
  });
});
