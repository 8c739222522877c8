import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OpsError } from '../errors.js';
import type { EnvName } from '../plan.js';
import { isAlive } from '../process.js';

export interface LockHolder {
  pid: number;
  deployId: string;
  command: string;
  since: string;
}

export function deployLockPath(root: string, env: EnvName): string {
  return join(root, '.echobase', `${env}.deploy.lock`);
}

/**
 * One deploy (or switch, rollback, retire) per environment at a time. The lock file names its
 * holder; a second command fails at once saying who holds it. A holder that died (a deploy
 * killed with SIGKILL) leaves a stale lock, which the next command takes over, so a killed
 * deploy can simply be run again.
 */
export async function acquireDeployLock(
  root: string,
  env: EnvName,
  command: string,
): Promise<{ holder: LockHolder; release(): Promise<void> }> {
  const file = deployLockPath(root, env);
  await mkdir(dirname(file), { recursive: true });
  const holder: LockHolder = {
    pid: process.pid,
    deployId: randomUUID(),
    command,
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${JSON.stringify(holder)}\n`);
      await handle.close();
      return {
        holder,
        async release() {
          const current = await readHolder(file);
          if (current?.deployId === holder.deployId) await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = await readHolder(file);
      if (current && (await isAlive(current.pid))) {
        throw new OpsError(
          `another ${current.command} holds the ${env} lock: pid ${current.pid}, deploy ${current.deployId}, since ${current.since}`,
        );
      }
      await rm(file, { force: true }); // its holder is gone: stale
    }
  }
  throw new OpsError(`cannot take the ${env} deploy lock (${file})`);
}

async function readHolder(file: string): Promise<LockHolder | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}
