import { isDatabaseUnavailable } from '@echobase/infra/db';
import type { Logger } from '@echobase/infra/logger';
import type { AuthRepository } from './auth.repository.js';
import type { SessionClaims } from './tokens.js';

/**
 * How far back each refresh looks again. A revocation row becomes visible when its INSERT
 * commits, which can be after a later row's (two API processes share the table), so reading
 * "after the highest id seen" could skip it for good. Re-reading every row recorded in the last
 * minute catches any whose single-statement INSERT took less than that to commit.
 */
const OVERLAP_MS = 60_000;

/**
 * The sessions ended by logout, kept in memory so that checking a token never needs the
 * database (orders are accepted through a database outage). A logout on this process counts at
 * once; one on another process (the other colour, another replica) within `refreshMs`.
 * A logout while the database is down still ends the session here at once, and is written
 * on every refresh until the database takes it, so the other processes learn of it then.
 * Entries leave when their token would have expired anyway.
 */
export function createRevocationList(
  repo: Pick<AuthRepository, 'revokedSince' | 'revokeSession'>,
  logger: Logger,
  refreshMs = 2000,
) {
  const revoked = new Map<string, number>(); // sid → expiry (ms)
  const unsaved = new Map<string, SessionClaims>(); // sid → the session, not yet in the database
  let since: Date | null = null;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;

  async function save(session: SessionClaims): Promise<void> {
    await repo.revokeSession(session.sid, session.userId, new Date(session.expiresAt * 1000));
    unsaved.delete(session.sid);
  }

  /** Writes the logouts the database missed; stops at the first failure (it is still down). */
  async function saveUnsaved(): Promise<void> {
    const before = unsaved.size;
    try {
      for (const session of unsaved.values()) {
        if (session.expiresAt * 1000 <= Date.now()) unsaved.delete(session.sid);
        else await save(session);
      }
    } catch {
      return;
    }
    if (before > 0) logger.info({ sessions: before }, 'logouts recorded after an outage');
  }

  async function refresh(): Promise<void> {
    await saveUnsaved();
    try {
      const { now, rows } = await repo.revokedSince(since);
      for (const row of rows) revoked.set(row.sid, row.expiresAt.getTime());
      since = new Date(now.getTime() - OVERLAP_MS);
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
      if (unsaved.size > 0)
        logger.error(
          { sessions: unsaved.size },
          'stopping with logouts the database never took: other processes still accept those sessions',
        );
    },
    /** Ends a session: here at once, and in the database now or, when it is down, later. */
    async revoke(session: SessionClaims): Promise<void> {
      revoked.set(session.sid, session.expiresAt * 1000);
      unsaved.set(session.sid, session);
      try {
        await save(session);
      } catch (error) {
        // Waiting fixes only an unreachable database; anything else is a fault to report.
        if (!isDatabaseUnavailable(error)) {
          unsaved.delete(session.sid);
          throw error;
        }
        logger.warn(
          { err: error, unsaved: unsaved.size },
          'logout kept in memory; it is written to the database once that is back',
        );
      }
    },
    has(sid: string): boolean {
      return revoked.has(sid);
    },
  };
}
export type RevocationList = ReturnType<typeof createRevocationList>;
