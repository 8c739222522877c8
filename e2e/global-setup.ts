import { execFileSync } from 'node:child_process';
import { CLI, ENV, ROOT } from './support/env.js';

/**
 * The suite's own environment: the ci durable layer (set up, or verified when it runs), then
 * the checkout deployed to green and serving production. Run again unchanged, it changes
 * nothing: the deploy sees green already serving this build.
 */
function echobase(...args: string[]): string {
  process.stderr.write(`e2e: echobase ${args.join(' ')}\n`);
  return execFileSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ECHOBASE_RUNTIME: 'native' },
  });
}

export default function globalSetup(): void {
  echobase('durable', 'setup', ENV);
  const buildId = echobase('release', 'build').trim();
  // Green running an older build (the checkout changed since the last run): this is a test
  // environment, so stop it rather than deploy the suite's build anywhere but green.
  const green = JSON.parse(echobase('stack', 'status', 'green', '--env', ENV, '--json')) as {
    buildId: string | null;
  };
  if (green.buildId !== null && green.buildId !== buildId) {
    echobase('stack', 'down', 'green', '--env', ENV);
  }
  echobase('deploy', '--env', ENV, '--colour', 'green', '--build', buildId, '--watch', '2');
}
