import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { OpsError } from './errors.js';

/**
 * One environment's credentials, generated once. Secrets Manager (encrypted under the
 * environment's KMS key) is where apps read them; this file, mode 0600 in the git-ignored state
 * folder, exists only to re-seed an emulator that lost them (moto keeps nothing across restarts).
 */
export const credentialsSchema = z.object({
  dbRootPassword: z.string().min(24),
  dbMigratorPassword: z.string().min(24),
  dbAppPassword: z.string().min(24),
  jwtSigningKey: z.string().min(32),
  createdAt: z.string(),
});
export type Credentials = z.infer<typeof credentialsSchema>;

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export function generateCredentials(now = new Date()): Credentials {
  return {
    dbRootPassword: token(24),
    dbMigratorPassword: token(24),
    dbAppPassword: token(24),
    jwtSigningKey: token(48),
    createdAt: now.toISOString(),
  };
}

export async function readCredentials(file: string): Promise<Credentials | null> {
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
    return credentialsSchema.parse(JSON.parse(raw));
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
