import { echobaseOk } from '@echobase/test-kit/cli';
import { ENV } from './support/env.js';

/**
 * The suite's own environment: the ci durable layer (set up, or verified when it runs), then
 * the checkout deployed to green and serving production. Run again unchanged, it changes
 * nothing: the deploy sees green already serving this build.
 */
function echobase(...args: string[]): Promise<string> {
  process.stderr.write(`e2e: echobase ${args.join(' ')}\n`);
  // Its progress shown as it comes; a deploy takes as long as it takes.
  return echobaseOk(args, { teeStderr: true, timeoutMs: 0 });
}

export default async function globalSetup(): Promise<void> {
  await echobase('durable', 'setup', ENV);
  const buildId = (await echobase('release', 'build')).trim();
  // Green running an older build (the checkout changed since the last run): this is a test
  // environment, so stop it rather than deploy the suite's build anywhere but green.
  const green = JSON.parse(await echobase('stack', 'status', 'green', '--env', ENV, '--json')) as {
    buildId: string | null;
  };
  if (green.buildId !== null && green.buildId !== buildId) {
    await echobase('stack', 'down', 'green', '--env', ENV);
  }
  await echobase('deploy', '--env', ENV, '--colour', 'green', '--build', buildId, '--watch', '2');
}
