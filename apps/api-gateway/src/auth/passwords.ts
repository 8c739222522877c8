import argon2 from 'argon2';

/**
 * argon2id with OWASP's minimum memory-hard settings (19 MiB, 2 passes, 1 lane): about 20 ms
 * here, so login stays quick and a burst of logins cannot exhaust memory.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

// Verified when the account does not exist, so an unknown email costs the same time as a
// wrong password and response times do not reveal which emails have accounts.
const dummyHash = hashPassword('echobase-timing-equaliser');

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  try {
    if (hash === null) {
      await argon2.verify(await dummyHash, password);
      return false;
    }
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
