import type { Release } from './deploy/release.js';
import { repoRoot } from './paths.js';
import type { Colour, EnvName } from './plan.js';
import type { Reporter } from './report.js';
import type { Runtime, StackInfo, StackStatus } from './runtime.js';
import { runtimeOf } from './runtimes.js';

/**
 * Colour stacks in the runtime of their environment (recorded at its first durable setup, see
 * env-runtime.ts), looked up once per process. Deploy, the stack commands and status go
 * through here; each runtime keeps the same stack.json and readiness contract.
 */

const chosen = new Map<string, Promise<Runtime>>();
/**
 * The runtime of the environment (its recorded one), looked up once per process; a failed
 * lookup (no engine yet, say) is not kept, so the next call asks again.
 */
export function stackRuntimeOf(env: EnvName, root = repoRoot()): Promise<Runtime> {
  const key = `${root}\0${env}`;
  let runtime = chosen.get(key);
  if (!runtime) {
    runtime = runtimeOf(env, { root });
    chosen.set(key, runtime);
    runtime.catch(() => chosen.delete(key));
  }
  return runtime;
}

export async function stackStatus(
  env: EnvName,
  colour: Colour,
  root = repoRoot(),
): Promise<StackStatus> {
  return (await stackRuntimeOf(env, root)).stack.status(env, colour, root);
}

export async function stackUp(
  env: EnvName,
  colour: Colour,
  release: Release,
  report: Reporter,
  root = repoRoot(),
): Promise<StackInfo> {
  return (await stackRuntimeOf(env, root)).stack.up(env, colour, release, report, root);
}

export async function stackDown(
  env: EnvName,
  colour: Colour,
  report: Reporter,
  root = repoRoot(),
): Promise<string[]> {
  return (await stackRuntimeOf(env, root)).stack.down(env, colour, report, root);
}

/**
 * The release a colour is up with, if it is up (natively: its programs are defined in the
 * supervisor, even if one is down; in docker: a container of it runs). Starting such a colour
 * again means that release: a dead service comes back as the build it was, never as a new
 * build of the checkout.
 */
export async function ownRelease(
  env: EnvName,
  colour: Colour,
  root = repoRoot(),
): Promise<Release | null> {
  return (await stackRuntimeOf(env, root)).stack.ownRelease(env, colour, root);
}
