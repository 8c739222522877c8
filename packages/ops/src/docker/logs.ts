import type { LogFormat } from '../log-format.js';
import { follow, type LogRequest, type LogSource } from '../logs.js';
import { envPaths } from '../paths.js';
import type { EnvName } from '../plan.js';
import { COMPOSE_SERVICE, colourComposeArgs, envFileValues } from './compose.js';
import { composeArgs, NOT_STARTING } from './durable.js';

/**
 * `docker compose logs` of a colour's project or of the durable project, and the variables
 * compose needs to read that project's file. JSON lines come without compose's `<service> | `
 * prefix, as the apps wrote them (`| jq`).
 */
export function dockerLogCommand(
  root: string,
  env: EnvName,
  source: LogSource,
  opts: { follow: boolean; lines: number; format?: LogFormat; traceId?: string | undefined },
): { args: string[]; env: Record<string, string> } {
  const tail = [
    'logs',
    '--tail',
    opts.traceId ? 'all' : String(opts.lines),
    ...(opts.follow ? ['--follow'] : []),
    ...(opts.format === 'json' ? ['--no-log-prefix'] : []),
  ];
  if (source.kind === 'colour') {
    const names =
      source.services.length === 1 ? source.services.map((s) => COMPOSE_SERVICE[s]) : [];
    return { args: colourComposeArgs(root, env, source.colour, ...tail, ...names), env: {} };
  }
  const names = source.services.length === 1 ? source.services : [];
  return {
    args: composeArgs({ env, paths: envPaths(env, root) }, ...tail, ...names),
    env: NOT_STARTING,
  };
}

/** The containers' logs through `docker compose logs`. */
export async function dockerLogs(request: LogRequest): Promise<void> {
  const docker = dockerLogCommand(request.root, request.env, request.source, request);
  await follow(
    'docker',
    docker.args,
    { out: request.out, format: request.format, traceId: request.traceId },
    { ...envFileValues(docker.args), ...docker.env },
  );
}
