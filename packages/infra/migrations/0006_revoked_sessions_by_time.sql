-- The API re-reads the revocations recorded in the last minute on every refresh (by time, not
-- by highest id: ids are taken before commit, so the two colours can commit them out of
-- order). This index makes that read touch only those rows. Expand-only and re-runnable.
CREATE INDEX IF NOT EXISTS ix_revoked_sessions_revoked_at ON revoked_sessions (revoked_at);
