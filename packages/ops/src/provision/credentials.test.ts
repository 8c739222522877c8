import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  generateCredentials,
  readCredentials,
  upgradeCredentials,
  writeCredentials,
} from './credentials.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempFile() {
  const dir = await mkdtemp(join(tmpdir(), 'echobase-cred-'));
  dirs.push(dir);
  return join(dir, 'credentials.json');
}

describe('credentials', () => {
  it('generates distinct, long random values', () => {
    const a = generateCredentials();
    const b = generateCredentials();
    expect(a.dbAppPassword).not.toBe(b.dbAppPassword);
    expect(new Set([a.dbRootPassword, a.dbMigratorPassword, a.dbAppPassword]).size).toBe(3);
    expect(a.jwtSigningKey.length).toBeGreaterThanOrEqual(64);
    // 48 random bytes for the order signing key, 32 for the admin token (base64url).
    expect(a.orderSigningKey).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(a.lbAdminToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.orderSigningKey).not.toBe(b.orderSigningKey);
    expect(a.lbAdminToken).not.toBe(b.lbAdminToken);
  });

  it('writes the file with mode 0600 and reads back the same values', async () => {
    const file = await tempFile();
    const creds = generateCredentials();
    await writeCredentials(file, creds);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readCredentials(file)).toEqual(creds);
  });

  it('tightens a file whose mode was loosened', async () => {
    const file = await tempFile();
    await writeCredentials(file, generateCredentials());
    await chmod(file, 0o644);
    await readCredentials(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('answers null for a missing file and refuses a damaged one without echoing it', async () => {
    const file = await tempFile();
    expect(await readCredentials(file)).toBeNull();
    await writeFile(file, '{"dbRootPassword":"hunter2"', { mode: 0o600 });
    const error = await readCredentials(file).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/damaged/);
    expect((error as Error).message).not.toContain('hunter2');
    expect(await readFile(file, 'utf8')).toContain('hunter2');
  });

  describe('an environment created before a value was introduced', () => {
    async function oldFile() {
      const file = await tempFile();
      const { orderSigningKey: _o, lbAdminToken: _t, ...old } = generateCredentials();
      await writeFile(file, `${JSON.stringify(old, null, 2)}\n`, { mode: 0o600 });
      return { file, old };
    }

    it('is upgraded in place: the missing values are added once, existing ones kept', async () => {
      const { file, old } = await oldFile();
      const upgraded = await upgradeCredentials(file);
      expect(upgraded?.added.sort()).toEqual(['lbAdminToken', 'orderSigningKey']);
      expect(upgraded?.credentials).toMatchObject(old);
      expect(upgraded?.credentials.orderSigningKey).toMatch(/^[A-Za-z0-9_-]{64}$/);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await readCredentials(file)).toEqual(upgraded?.credentials);
      const again = await upgradeCredentials(file);
      expect(again).toEqual({ credentials: upgraded?.credentials, added: [] });
    });

    it('is refused by readers other than setup, naming the command that upgrades it', async () => {
      const { file } = await oldFile();
      const error = await readCredentials(file).catch((e: Error) => e);
      expect((error as Error).message).toMatch(/durable\/setup\.sh/);
      expect((error as Error).message).not.toContain('dbRootPassword');
    });

    it('answers null for a missing file, so setup creates a fresh environment', async () => {
      expect(await upgradeCredentials(await tempFile())).toBeNull();
    });
  });
});
