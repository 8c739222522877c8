import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OpsError, UsageError } from './errors.js';
import { envPaths } from './paths.js';
import type { EnvName } from './plan.js';
import { dockerEngineAnswers, RUNTIMES, type RuntimeName, selectRuntime } from './runtime.js';

/**
 * The runtime belongs to the environment: chosen when its durable layer is first set up
 * (ECHOBASE_RUNTIME, else docker when an engine answers, else native), written down, and
 * followed by every later command. An engine that appears or goes away never moves an existing
 * environment; asking for the other runtime while it exists is a clear error.
 */
export function runtimeRecord(env: EnvName, root?: string): string {
  return join(envPaths(env, root).state, 'runtime');
}

/**
 * The environment's runtime as recorded, or null for one never set up. An environment set up
 * before runtimes were recorded is native if its native data exists.
 */
export async function recordedRuntime(env: EnvName, root?: string): Promise<RuntimeName | null> {
  const file = runtimeRecord(env, root);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw new OpsError(`cannot read ${file}: ${error.message}`);
  });
  if (text === null) return existsSync(envPaths(env, root).mariadb.data) ? 'native' : null;
  const value = text.trim();
  if (!(RUNTIMES as readonly string[]).includes(value)) {
    throw new OpsError(
      `${file} says '${value.slice(0, 40)}', not docker or native; write the runtime ${env} runs on into it`,
    );
  }
  return value as RuntimeName;
}

export interface RuntimeChoice {
  root?: string;
  /** ECHOBASE_RUNTIME by default. */
  override?: string | undefined;
  /** Whether a Docker engine answers (tests pass their own). */
  probe?: () => Promise<boolean>;
}

/** The runtime a command on `env` uses: the recorded one, else the choice for a new one. */
export async function environmentRuntime(
  env: EnvName,
  choice: RuntimeChoice = {},
): Promise<RuntimeName> {
  const override = 'override' in choice ? choice.override : process.env.ECHOBASE_RUNTIME;
  const recorded = await recordedRuntime(env, choice.root);
  if (recorded === null) return selectRuntime(override, choice.probe ?? dockerEngineAnswers);
  if (override !== undefined && override !== '') {
    const asked = await selectRuntime(override);
    if (asked !== recorded) {
      throw new UsageError(
        `${env} runs on ${recorded} (chosen when it was first set up), not ${asked}; ` +
          `to move it, delete it first: ./durable/teardown.sh ${env} --volumes`,
      );
    }
  }
  return recorded;
}

/** Written by the first successful setup of the environment. */
export async function recordRuntime(
  env: EnvName,
  runtime: RuntimeName,
  root?: string,
): Promise<void> {
  const file = runtimeRecord(env, root);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${runtime}\n`);
}

/** Removed with the environment's data (teardown --volumes): the next setup chooses again. */
export async function forgetRuntime(env: EnvName, root?: string): Promise<void> {
  await rm(runtimeRecord(env, root), { force: true });
}
