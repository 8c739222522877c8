import { readFileSync } from 'node:fs';
import { currentBuildId } from './deploy/release.js';
import { repoRoot } from './paths.js';

/**
 * `echobase --version`: this package's version, and the build id a release of the checkout
 * would get (what `status` shows a colour running), so an operator can tell them apart.
 */
export function versionText(root: () => string = repoRoot): string {
  const { version } = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  let build = '';
  try {
    build = ` (build ${currentBuildId(root()).buildId})`;
  } catch {
    // No checkout, or not a git one (an installed copy): the version is all there is to say.
  }
  return `echobase ${version}${build}\n`;
}
