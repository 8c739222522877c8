import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { OpsError } from '../errors.js';

/**
 * One environment's credentials, generated once. Secrets Manager (encrypted under the
 * environment's KMS key) is where apps read them; this file, mode 0600 in the git-ignored state
 * folder, re-seeds an emulator that lost them (moto keeps nothing across restarts).
 */
export const credentialsSchema = z.object({
  dbRootPassword: z.string().min(24),
  dbMigratorPassword: z.string().min(24),
  dbAppPassword: z.string().min(24),
  jwtSigningKey: z.string().min(32),
  /** The HMAC key that authenticates order messages between the API and the processor. */
  orderSigningKey: z.string().min(64),
  /** The bearer token of the load balancer's admin listener (switch, in-flight counts). */
  lbAdminToken: z.string().min(43),
  createdAt: z.string(),
});
export type Credentials = z.infer<typeof credentialsSchema>;

/**
 * Values added after the first environments were created, with how to generate each. A file
 * that lacks them is upgraded in place by setup; the values it has are never regenerated.
 */
const LATER_VALUES = {
  orderSigningKey: () => token(48),
  lbAdminToken: () => token(32),
} as const;
type LaterValue = keyof typeof LATER_VALUES;
const storedSchema = credentialsSchema.partial({ orderSigningKey: true, lbAdminToken: true });
type StoredCredentials = z.infer<typeof storedSchema>;

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export function generateCredentials(now = new Date()): Credentials {
  return {
    dbRootPassword: token(24),
    dbMigratorPassword: token(24),
    dbAppPassword: token(24),
    jwtSigningKey: token(48),
    orderSigningKey: LATER_VALUES.orderSigningKey(),
    lbAdminToken: LATER_VALUES.lbAdminToken(),
    createdAt: now.toISOString(),
  };
}

/**
 * The credentials of an environment, or null when it has none yet. A file from before a value
 * was introduced is refused: only setup (which holds the environment's lock and seeds Secrets
 * Manager and nginx) may add it.
 */
export async function readCredentials(file: string): Promise<Credentials | null> {
  const stored = await readStored(file);
  if (!stored) return null;
  const missing = missingValues(stored);
  if (missing.length > 0) {
    throw new OpsError(
      `${file} predates ${missing.join(' and ')}; run ./durable/setup.sh <env> once to add ${missing.length > 1 ? 'them' : 'it'}`,
    );
  }
  return stored as Credentials;
}

/**
 * Setup's read: adds the values the file lacks (generated once, written atomically) and keeps
 * every value it has, so an existing environment upgrades in place. Null when there is no file.
 */
export async function upgradeCredentials(
  file: string,
): Promise<{ credentials: Credentials; added: LaterValue[] } | null> {
  const stored = await readStored(file);
  if (!stored) return null;
  const added = missingValues(stored);
  const credentials = { ...stored } as Credentials;
  for (const key of added) credentials[key] = LATER_VALUES[key]();
  if (added.length > 0) await writeCredentials(file, credentials);
  return { credentials, added };
}

function missingValues(stored: StoredCredentials): LaterValue[] {
  return (Object.keys(LATER_VALUES) as LaterValue[]).filter((key) => stored[key] === undefined);
}

async function readStored(file: string): Promise<StoredCredentials | null> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new OpsError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const mode = (await stat(file)).mode & 0o777;
  if (mode !== 0o600) await chmod(file, 0o600);
  try {
    return storedSchema.parse(JSON.parse(raw));
  } catch {
    throw new OpsError(`${file} is damaged; restore it from a backup (it is never regenerated)`);
  }
}

/** Writes the file atomically (temp file, then rename) so a crash never leaves half a file. */
export async function writeCredentials(file: string, credentials: Credentials): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}
