import { dockerStackDown, dockerStackStatus, dockerStackUp } from './docker/stack.js';
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
import { type RuntimeName, selectRuntime } from './runtime.js';

/**
 * Colour stacks in whichever runtime this machine uses (docker when an engine answers, else
 * native; ECHOBASE_RUNTIME overrides), chosen once per process. Deploy, the stack commands and
 * status go through here; each runtime keeps the same stack.json and readiness contract.
 */
export {
  readStackInfo,
  STACK_SERVICES,
  type StackInfo,
  type StackService,
  type StackStatus,
  stackPaths,
} from './native/stack.js';

let chosen: Promise<RuntimeName> | undefined;
export function stackRuntime(): Promise<RuntimeName> {
  chosen ??= selectRuntime(process.env.ECHOBASE_RUNTIME);
  return chosen;
}

export async function stackStatus(
  env: EnvName,
  colour: Colour,
  root = repoRoot(),
): Promise<StackStatus> {
  return (await stackRuntime()) === 'docker'
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
  return (await stackRuntime()) === 'docker'
    ? dockerStackUp(env, colour, release, report, root)
    : nativeStackUp(env, colour, release, report, root);
}

export async function stackDown(
  env: EnvName,
  colour: Colour,
  report: Reporter,
  root = repoRoot(),
): Promise<string[]> {
  return (await stackRuntime()) === 'docker'
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
  if ((await stackRuntime()) === 'native') return nativeOwnRelease(env, colour, root);
  const status = await dockerStackStatus(env, colour, root);
  return status.buildId && status.services.some((s) => s.state === 'running')
    ? readRelease(root, status.buildId)
    : null;
}
