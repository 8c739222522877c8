-- Sessions ended by logout. The API keeps the recent ones in memory (refreshed every couple
-- of seconds) so checking a token never needs the database; rows past expires_at are useless
-- and may be deleted.
CREATE TABLE IF NOT EXISTS revoked_sessions (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sid         VARCHAR(64)     NOT NULL,
  user_id     BIGINT UNSIGNED NOT NULL,
  expires_at  DATETIME(3)     NOT NULL,
  revoked_at  DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_revoked_sessions_sid (sid),
  KEY ix_revoked_sessions_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
