import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { versionText } from './version.js';

const roots: string[] = [];
afterAll(() => Promise.all(roots.map((d) => rm(d, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'echobase-version-'));
  roots.push(dir);
  return dir;
}

const { version } = JSON.parse(
  await readFile(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

describe('echobase --version', () => {
  it("names the package's version and the build id of the checkout", async () => {
    const root = await tempDir();
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    git('init', '-q');
    await writeFile(join(root, 'a.txt'), 'one\n');
    git('add', 'a.txt');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.test', 'commit', '-qm', 'one');
    const sha = git('rev-parse', '--short=12', 'HEAD');
    expect(versionText(() => root)).toBe(`echobase ${version} (build ${sha})\n`);

    // Uncommitted changes: the id a release of this content would get.
    await writeFile(join(root, 'a.txt'), 'two\n');
    expect(versionText(() => root)).toMatch(
      new RegExp(`^echobase ${version} \\(build ${sha}-dirty-[0-9a-f]{8}\\)\\n$`),
    );
  });

  it('prints the version alone outside a git checkout, or when there is no checkout', async () => {
    const root = await tempDir();
    expect(versionText(() => root)).toBe(`echobase ${version}\n`);
    expect(
      versionText(() => {
        throw new Error('cannot find the echobase checkout above this CLI');
      }),
    ).toBe(`echobase ${version}\n`);
  });
});
