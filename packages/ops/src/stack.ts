import { requireDocker } from './docker/durable.js';
import { dockerStackDown, dockerStackStatus, dockerStackUp } from './docker/stack.js';
import { environmentRuntime } from './env-runtime.js';
import {
  ownRelease as nativeOwnRelease,
  stackDown as nativeStackDown,
  stackStatus as nativeStackStatus,
  stackUp as nativeStackUp,
  type StackInfo,
  type StackStatus,
} from './native/stack.js';
import { repoRoot } from './paths.js';
import type { Colour, EnvName } from './plan.js';
import { type Release, readRelease } from './release.js';
import type { Reporter } from './report.js';
import type { RuntimeName } from './runtime.js';

/**
 * Colour stacks in the runtime of their environment (recorded at its first durable setup, see
 * env-runtime.ts), looked up once per process. Deploy, the stack commands and status go
 * through here; each runtime keeps the same stack.json and readiness contract.
 */
export {
  readStackInfo,
  STACK_SERVICES,
  type StackInfo,
  type StackService,
  type StackStatus,
  stackPaths,
} from './native/stack.js';

const chosen = new Map<string, Promise<RuntimeName>>();
/** The runtime of the environment (its recorded one), looked up once per process. */
export function stackRuntime(env: EnvName, root = repoRoot()): Promise<RuntimeName> {
  const key = `${root}\0${env}`;
  let runtime = chosen.get(key);
  if (!runtime) {
    runtime = environmentRuntime(env, { root }).then(async (name) => {
      if (name === 'docker') await requireDocker();
      return name;
    });
    chosen.set(key, runtime);
  }
  return runtime;
}

export async function stackStatus(
  env: EnvName,
  colour: Colour,
  root = repoRoot(),
): Promise<StackStatus> {
  return (await stackRuntime(env, root)) === 'docker'
    ? dockerStackStatus(env, colour, root)
    : nativeStackStatus(env, colour, root);
}

export async function stackUp(
  env: EnvName,
  colour: Colour,
  release: Release,
  report: Reporter,
  root = repoRoot(),
): Promise<StackInfo> {
  return (await stackRuntime(env, root)) === 'docker'
    ? dockerStackUp(env, colour, release, report, root)
    : nativeStackUp(env, colour, release, report, root);
}

export async function stackDown(
  env: EnvName,
  colour: Colour,
  report: Reporter,
  root = repoRoot(),
): Promise<string[]> {
  return (await stackRuntime(env, root)) === 'docker'
    ? dockerStackDown(env, colour, report, root)
    : nativeStackDown(env, colour, report, root);
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
  if ((await stackRuntime(env, root)) === 'native') return nativeOwnRelease(env, colour, root);
  const status = await dockerStackStatus(env, colour, root);
  return status.buildId && status.services.some((s) => s.state === 'running')
    ? readRelease(root, status.buildId)
    : null;
}
