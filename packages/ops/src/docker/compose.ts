import { join } from 'node:path';
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
