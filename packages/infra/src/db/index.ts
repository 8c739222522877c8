export {
  listMigrations,
  MIGRATIONS_DIR,
  type MigrateOptions,
  type MigrateResult,
  MigrationError,
  migrate,
  schemaVersion,
} from './migrate.js';
export {
  createDbPool,
  type DbConfig,
  type GuardOptions,
  guardPool,
  LOCK_CONFLICT_ATTEMPTS,
  type Pool,
  poolOptions,
  retryLockConflicts,
} from './pool.js';
export { isDatabaseUnavailable, isLockConflict } from './unavailable.js';
