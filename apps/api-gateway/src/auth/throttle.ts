import { AppError } from '@echobase/infra/errors';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Throttling of logins and registrations that an attacker cannot turn against a user:
 * - per account *and* client address: 5 failed logins block that pair for 15 minutes, so
 *   guessing one account's password is slow, but the owner, logging in from anywhere else,
 *   is never locked out;
 * - per client address: 100 failed logins an hour, whatever the accounts, so one client
 *   cannot spray passwords across many accounts;
 * - per client address: 100 registrations every 10 minutes, which bounds the accounts (and
 *   the argon2 hashing) one client can cause, while a test suite or an office behind one
 *   address registers freely.
 * A login takes its points *before* the password check and a successful one gives them back,
 * so simultaneous wrong passwords cannot all be checked before the first failure is counted.
 */
export interface ThrottleLimits {
  perAccountAndClient: number;
  perClient: number;
  blockSeconds: number;
  registrationsPerClient: number;
  registrationWindowSeconds: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = {
  perAccountAndClient: 5,
  perClient: 100,
  blockSeconds: 15 * 60,
  registrationsPerClient: 100,
  registrationWindowSeconds: 10 * 60,
};

export function createAuthThrottle(overrides: Partial<ThrottleLimits> = {}) {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  const pair = new RateLimiterMemory({
    keyPrefix: 'login_pair',
    points: limits.perAccountAndClient,
    duration: limits.blockSeconds,
    blockDuration: limits.blockSeconds,
  });
  const client = new RateLimiterMemory({
    keyPrefix: 'login_client',
    points: limits.perClient,
    duration: 3600,
  });
  const registrations = new RateLimiterMemory({
    keyPrefix: 'register_client',
    points: limits.registrationsPerClient,
    duration: limits.registrationWindowSeconds,
  });
  const pairKey = (email: string, ip: string) => `${email}|${ip}`;

  /** rate-limiter-flexible rejects with its result when out of points, or with a real error. */
  function refused(error: unknown, message: string): never {
    if (!(error instanceof RateLimiterRes)) throw error;
    const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    throw new AppError('too_many_requests', message, { retryAfter });
  }

  return {
    /**
     * Takes a point from this client and from this client for this account before the
     * password is checked; throws 429 when either has none left. A wrong password keeps them.
     */
    async take(email: string, ip: string): Promise<void> {
      const message = 'too many failed logins; try again later';
      await client.consume(ip).catch((error: unknown) => refused(error, message));
      await pair.consume(pairKey(email, ip)).catch(async (error: unknown) => {
        await client.reward(ip);
        refused(error, message);
      });
    },
    /** The attempt ended before a password check (the database failed): not a failure. */
    async giveBack(email: string, ip: string): Promise<void> {
      await Promise.all([client.reward(ip), pair.reward(pairKey(email, ip))]);
    },
    /** The right password: the client's point comes back and the pair's count is cleared. */
    async succeeded(email: string, ip: string): Promise<void> {
      await Promise.all([client.reward(ip), pair.delete(pairKey(email, ip))]);
    },
    /** Takes one of this client's registrations; throws 429 when none are left. */
    async register(ip: string): Promise<void> {
      await registrations
        .consume(ip)
        .catch((error: unknown) =>
          refused(error, 'too many registrations from this address; try again later'),
        );
    },
  };
}
export type AuthThrottle = ReturnType<typeof createAuthThrottle>;
