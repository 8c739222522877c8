import type { Pool } from '@echobase/infra/db';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export interface UserRow {
  id: number;
  email: string;
  passwordHash: string;
}

export function createAuthRepository(pool: Pool) {
  return {
    async findUserByEmail(email: string): Promise<UserRow | null> {
      const [rows] = await pool.query<RowDataPacket[]>(
        'SELECT id, email, password_hash AS passwordHash FROM users WHERE email = ?',
        [email],
      );
      const row = rows[0];
      return row ? { id: Number(row.id), email: row.email, passwordHash: row.passwordHash } : null;
    },

    /** Null when the email is taken. */
    async insertUser(email: string, passwordHash: string): Promise<number | null> {
      try {
        const [result] = await pool.query<ResultSetHeader>(
          'INSERT INTO users (email, password_hash) VALUES (?, ?)',
          [email, passwordHash],
        );
        return result.insertId;
      } catch (error) {
        if ((error as { code?: string }).code === 'ER_DUP_ENTRY') return null;
        throw error;
      }
    },

    async revokeSession(sid: string, userId: number, expiresAt: Date): Promise<void> {
      await pool.query(
        'INSERT IGNORE INTO revoked_sessions (sid, user_id, expires_at) VALUES (?, ?, ?)',
        [sid, userId, expiresAt],
      );
    },

    /**
     * Unexpired revocations recorded at or after `since` (all of them when null), and the
     * database's clock when it looked, for the next call's `since`.
     */
    async revokedSince(
      since: Date | null,
    ): Promise<{ now: Date; rows: { sid: string; expiresAt: Date }[] }> {
      const [[clock]] = await pool.query<RowDataPacket[]>('SELECT NOW(3) AS now');
      const [rows] = await pool.query<RowDataPacket[]>(
        since === null
          ? 'SELECT sid, expires_at AS expiresAt FROM revoked_sessions WHERE expires_at > NOW(3)'
          : 'SELECT sid, expires_at AS expiresAt FROM revoked_sessions WHERE revoked_at >= ? AND expires_at > NOW(3)',
        since === null ? [] : [since],
      );
      return {
        now: new Date(clock?.now),
        rows: rows.map((r) => ({ sid: r.sid, expiresAt: new Date(r.expiresAt) })),
      };
    },
  };
}
export type AuthRepository = ReturnType<typeof createAuthRepository>;
