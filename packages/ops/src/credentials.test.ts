import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCredentials, readCredentials, writeCredentials } from './credentials.js';

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
});
