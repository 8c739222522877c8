import argon2 from 'argon2';
import { describe, expect, it, vi } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('hash with argon2id and verify only the right password', async () => {
    const hash = await hashPassword('correct horse 42');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyPassword(hash, 'correct horse 42')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse 43')).toBe(false);
  });

  it('do the same hashing work for an unknown account as for a wrong password', async () => {
    const hash = await hashPassword('correct horse 42');
    const spy = vi.spyOn(argon2, 'verify');
    expect(await verifyPassword(null, 'anything 1')).toBe(false);
    expect(await verifyPassword(hash, 'anything 1')).toBe(false);
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });

  it('treat a damaged stored hash as a wrong password, not a crash', async () => {
    expect(await verifyPassword('not-a-hash', 'whatever 1')).toBe(false);
  });
});
