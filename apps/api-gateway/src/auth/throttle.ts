import { AppError } from '@echobase/infra/errors';
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Login throttling that an attacker cannot turn against a user:
 * - per account *and* client address: 5 failed logins block that pair for 15 minutes, so
 *   guessing one account's password is slow, but the owner, logging in from anywhere else,
 *   is never locked out;
 * - per client address: 100 failed logins an hour, whatever the accounts, so one client
 *   cannot spray passwords across many accounts.
 * A successful login clears the pair's count.
 */
export interface ThrottleLimits {
  perAccountAndClient: number;
  perClient: number;
  blockSeconds: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = {
  perAccountAndClient: 5,
  perClient: 100,
  blockSeconds: 15 * 60,
};

export function createLoginThrottle(limits: ThrottleLimits = DEFAULT_LIMITS) {
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
  const pairKey = (email: string, ip: string) => `${email}|${ip}`;

  function tooMany(res: RateLimiterRes): AppError {
    const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return new AppError('too_many_requests', 'too many failed logins; try again later', {
      retryAfter,
    });
  }

  return {
    /** Throws 429 when this client, or this client for this account, has failed too often. */
    async check(email: string, ip: string): Promise<void> {
      const [p, c] = await Promise.all([pair.get(pairKey(email, ip)), client.get(ip)]);
      for (const res of [p, c]) {
        if (res && res.remainingPoints <= 0) throw tooMany(res);
      }
    },
    async failed(email: string, ip: string): Promise<void> {
      await Promise.all([
        pair.consume(pairKey(email, ip)).catch(() => undefined),
        client.consume(ip).catch(() => undefined),
      ]);
    },
    async succeeded(email: string, ip: string): Promise<void> {
      await pair.delete(pairKey(email, ip));
    },
  };
}
export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
