import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { type Colour, colourNames, type EnvName } from '../plan.js';
import type { StackService } from '../runtime.js';

/** How a colour's compose project is addressed: its services' names and its files. */

/** Compose service of each stack service. */
export const COMPOSE_SERVICE: Record<StackService, string> = {
  api: 'api-gateway',
  processor: 'order-processor',
  frontend: 'frontend',
};

/** `docker compose` pointed at the colour's project, the environment's ports and both files. */
export function colourComposeArgs(
  root: string,
  env: EnvName,
  colour: Colour,
  ...rest: string[]
): string[] {
  return [
    'compose',
    '-p',
    colourNames(env, colour).composeProject,
    '--env-file',
    join(root, 'durable', `.env.${env}`),
    '-f',
    join(root, 'docker-compose.yml'),
    '-f',
    join(root, `docker-compose.${colour}.yml`),
    ...rest,
  ];
}

/**
 * The values of the env files a compose command names (`--env-file`). Compose lets the caller's
 * environment override an env file, so a shell that has eval'd another environment's settings
 * (`echobase durable env ci --export` sets ECHOBASE_ENV=ci) would make `durable setup devlocal`
 * name devlocal's containers after ci. Every compose command the CLI runs gets these values in
 * its own environment: the file it names always wins.
 */
export function envFileValues(args: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i < args.length - 1; i += 1) {
    if (args[i] === '--env-file') Object.assign(values, readEnvFile(args[i + 1] as string));
  }
  return values;
}

/** Read once per process: the files are checked in, and status polls call compose often. */
const envFiles = new Map<string, Record<string, string>>();
function readEnvFile(file: string): Record<string, string> {
  let values = envFiles.get(file);
  if (!values) {
    values = existsSync(file)
      ? (parseEnv(readFileSync(file, 'utf8')) as Record<string, string>)
      : {};
    envFiles.set(file, values);
  }
  return values;
}
