import type { EnvName, EnvPlan } from '../plan.js';
import type { Reporter } from '../report.js';
import { awsEndpoint, ensureSecrets } from './aws.js';
import type { Credentials } from './credentials.js';
import {
  bootstrapDatabase,
  migrateDatabase,
  type RootAccess,
  verifyAppAccess,
} from './database.js';

export interface ProvisionResult {
  changed: boolean;
  seededSecrets: string[];
  appliedMigrations: string[];
  products: number;
  schemaVersion: string | null;
}

/**
 * What both runtimes do once their servers answer: secrets into the AWS endpoint (re-seeded if
 * it lost them), the database and its users (first time only), migrations, and a check that the
 * app user can log in the way the apps will.
 */
export async function provision(
  env: EnvName,
  plan: EnvPlan,
  creds: Credentials,
  bootstrap: { needed: boolean; access: RootAccess; done?: () => Promise<void> },
  report: Reporter,
): Promise<ProvisionResult> {
  // Secrets missing from an endpoint that had them before (moto keeps nothing across restarts)
  // are re-seeded from the credentials file; on a fresh environment they are simply stored.
  const verb = bootstrap.needed ? 'stored' : 're-seeded';
  const aws = awsEndpoint(plan.durable.aws);
  const seed = await report.step(
    'secrets',
    () => ensureSecrets(env, creds, aws),
    (r) =>
      [
        r.keyCreated ? 'created the KMS key' : '',
        r.seeded.length > 0 ? `${verb} ${r.seeded.length} secrets` : 'all secrets present',
        r.removed.length > 0 ? `removed ${r.removed.join(', ')} (operator only)` : '',
      ]
        .filter(Boolean)
        .join(', '),
  );
  if (bootstrap.needed) {
    await report.step(
      'database',
      async () => {
        await bootstrapDatabase(bootstrap.access, creds);
        await bootstrap.done?.();
      },
      () => 'created orders_db with users migrator and app_user',
    );
  }
  const migrated = await report.step(
    'migrations',
    () => migrateDatabase(plan.durable.mariadb, creds),
    (r) => (r.applied.length > 0 ? `applied ${r.applied.join(', ')}` : `up to date (${r.version})`),
  );
  const verified = await report.step(
    'verify',
    () => verifyAppAccess(env, plan.durable.mariadb, aws),
    (v) => `app_user logged in with its Secrets Manager login; ${v.products} products`,
  );
  return {
    changed:
      seed.keyCreated ||
      seed.seeded.length > 0 ||
      seed.removed.length > 0 ||
      bootstrap.needed ||
      migrated.applied.length > 0,
    seededSecrets: seed.seeded,
    appliedMigrations: migrated.applied,
    products: verified.products,
    schemaVersion: verified.schemaVersion,
  };
}
