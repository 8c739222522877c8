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

    /** Revocations newer than `afterId` that have not expired yet. */
    async revokedSince(afterId: number): Promise<{ id: number; sid: string; expiresAt: Date }[]> {
      const [rows] = await pool.query<RowDataPacket[]>(
        'SELECT id, sid, expires_at AS expiresAt FROM revoked_sessions WHERE id > ? AND expires_at > NOW(3) ORDER BY id',
        [afterId],
      );
      return rows.map((r) => ({ id: Number(r.id), sid: r.sid, expiresAt: new Date(r.expiresAt) }));
    },
  };
}
export type AuthRepository = ReturnType<typeof createAuthRepository>;
