export {
  listMigrations,
  MIGRATIONS_DIR,
  type MigrateOptions,
  type MigrateResult,
  MigrationError,
  migrate,
  schemaVersion,
} from './migrate.js';
export { createDbPool, type DbConfig, type Pool, poolOptions } from './pool.js';
export { isDatabaseUnavailable } from './unavailable.js';
