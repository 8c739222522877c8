import type { Logger } from '@echobase/infra/logger';
import type { AuthRepository } from './auth.repository.js';

/**
 * The sessions ended by logout, kept in memory so that checking a token never needs the
 * database (orders are accepted through a database outage). A logout on this process counts at
 * once; one on another process (the other colour, another replica) within `refreshMs`.
 * Entries leave when their token would have expired anyway.
 */
export function createRevocationList(
  repo: Pick<AuthRepository, 'revokedSince'>,
  logger: Logger,
  refreshMs = 2000,
) {
  const revoked = new Map<string, number>(); // sid → expiry (ms)
  let lastId = 0;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;

  async function refresh(): Promise<void> {
    try {
      for (const row of await repo.revokedSince(lastId)) {
        revoked.set(row.sid, row.expiresAt.getTime());
        lastId = Math.max(lastId, row.id);
      }
      if (failing) logger.info('revocation list refreshed again');
      failing = false;
    } catch (error) {
      if (!failing)
        logger.warn({ err: error }, 'cannot refresh the revocation list; using the last one');
      failing = true;
    }
    const now = Date.now();
    for (const [sid, expiry] of revoked) if (expiry <= now) revoked.delete(sid);
  }

  return {
    refresh,
    start(): void {
      timer = setInterval(() => void refresh(), refreshMs);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
    },
    add(sid: string, expiresAtMs: number): void {
      revoked.set(sid, expiresAtMs);
    },
    has(sid: string): boolean {
      return revoked.has(sid);
    },
  };
}
export type RevocationList = ReturnType<typeof createRevocationList>;
