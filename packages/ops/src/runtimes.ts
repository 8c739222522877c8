import { requireDocker } from './docker/durable.js';
import { dockerRuntime } from './docker/runtime.js';
import { environmentRuntime } from './env-runtime.js';
import { nativeRuntime } from './native/runtime.js';
import type { EnvName } from './plan.js';
import type { Runtime, RuntimeName } from './runtime.js';

const RUNTIME: Record<RuntimeName, Runtime> = { native: nativeRuntime, docker: dockerRuntime };

/**
 * The runtime of an environment: the one recorded at its first durable setup, else the one
 * asked for (`override`, ECHOBASE_RUNTIME), else docker when an engine answers (env-runtime.ts).
 * Docker is checked before it is handed out (the engine, `docker compose`), naming the fix.
 */
export async function runtimeOf(
  env: EnvName,
  options: { root?: string; override?: string | undefined } = {},
): Promise<Runtime> {
  const name = await environmentRuntime(env, options);
  if (name === 'docker') await requireDocker();
  return RUNTIME[name];
}
