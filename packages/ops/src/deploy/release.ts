import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OpsError } from '../errors.js';
import type { Reporter } from '../report.js';

const run = promisify(execFile);

/**
 * A release: what a colour runs, frozen. The built apps and their dependencies are copied out
 * of the checkout into .echobase/releases/<buildId>/ (node_modules as hard links, so this is
 * quick and small), so blue and green can run different versions side by side and rebuilding
 * the checkout never changes a running colour.
 */
export interface Release {
  buildId: string;
  dir: string;
  gitSha: string;
  createdAt: string;
}

/** Paths copied into a release, relative to the checkout. */
const RELEASE_FILES = [
  'package.json',
  'apps/api-gateway/package.json',
  'apps/api-gateway/dist',
  'apps/order-processor/package.json',
  'apps/order-processor/dist',
  'apps/frontend/package.json',
  'apps/frontend/dist',
  'apps/frontend/server.mjs',
  'packages/infra/package.json',
  'packages/infra/dist',
  'packages/infra/migrations',
];

export function releasesDir(root: string): string {
  return join(root, '.echobase', 'releases');
}

/**
 * The commit, plus a hash of uncommitted changes when there are any: one id per content.
 * Synchronous (a few milliseconds of git) so that `echobase --version` can print it too.
 */
export function currentBuildId(root: string): { buildId: string; gitSha: string } {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      maxBuffer: 64 << 20,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  let sha: string;
  try {
    sha = git('rev-parse', '--short=12', 'HEAD').trim();
  } catch {
    throw new OpsError('cannot name a release: this checkout has no git commit');
  }
  const dirty = git('status', '--porcelain', '--untracked-files=no').trim();
  if (!dirty) return { buildId: sha, gitSha: sha };
  const diff = git('diff', 'HEAD');
  return {
    buildId: `${sha}-dirty-${createHash('sha256').update(diff).digest('hex').slice(0, 8)}`,
    gitSha: sha,
  };
}

export async function readRelease(root: string, buildId: string): Promise<Release | null> {
  try {
    return JSON.parse(
      await readFile(join(releasesDir(root), buildId, 'release.json'), 'utf8'),
    ) as Release;
  } catch {
    return null;
  }
}

export async function listReleases(root: string): Promise<Release[]> {
  const dir = releasesDir(root);
  if (!existsSync(dir)) return [];
  const found = await Promise.all((await readdir(dir)).map((id) => readRelease(root, id)));
  return found
    .filter((r): r is Release => r !== null)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Builds the apps and freezes them as a release; an existing release of the same content is
 * reused. Built in a temporary folder and renamed into place, so a killed build never leaves
 * a half release behind.
 */
export async function buildRelease(root: string, report: Reporter): Promise<Release> {
  const { buildId, gitSha } = currentBuildId(root);
  const existing = await readRelease(root, buildId);
  if (existing) {
    report.line(`  release    ${buildId} already built`);
    return existing;
  }
  await report.step(
    'build',
    async () => {
      await run(
        'npx',
        [
          'turbo',
          'run',
          'build',
          '--output-logs=errors-only',
          '--filter=@echobase/api-gateway',
          '--filter=@echobase/order-processor',
          '--filter=@echobase/frontend',
        ],
        {
          cwd: root,
          env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
          maxBuffer: 64 << 20,
        },
      ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        const lines = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n');
        throw new OpsError(
          `the build failed: ${
            lines
              .filter((l) => /error/i.test(l))
              .slice(0, 3)
              .join(' | ') || error.message
          }`,
        );
      });
    },
    () => 'apps built',
  );
  const dir = join(releasesDir(root), buildId);
  const temp = `${dir}.partial-${process.pid}`;
  await report.step(
    'release',
    async () => {
      await rm(temp, { recursive: true, force: true });
      await mkdir(temp, { recursive: true });
      for (const path of RELEASE_FILES) {
        if (!existsSync(join(root, path)))
          throw new OpsError(`cannot make a release: ${path} is missing after the build`);
        await cp(join(root, path), join(temp, path), { recursive: true });
      }
      // Hard links: a copy of node_modules in a second, costing almost no disk.
      await run('cp', ['-al', join(root, 'node_modules'), join(temp, 'node_modules')]);
      const release: Release = { buildId, dir, gitSha, createdAt: new Date().toISOString() };
      await writeFile(join(temp, 'release.json'), `${JSON.stringify(release, null, 2)}\n`);
      await rm(dir, { recursive: true, force: true });
      await rename(temp, dir);
    },
    () => `${buildId} frozen in ${dir}`,
  );
  return (await readRelease(root, buildId)) as Release;
}
