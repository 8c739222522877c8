import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { OpsError } from '../errors.js';
import { DURABLE_SERVICES, type DurableService, durableNames, LOOPBACK } from '../plan.js';
import { writePrometheusConfig } from '../prometheus.js';
import {
  generateCredentials,
  upgradeCredentials,
  writeCredentials,
} from '../provision/credentials.js';
import { provision } from '../provision/provision.js';
import type { DurableContext, ServiceStatus, SetupResult, TeardownResult } from '../runtime.js';
import { envFileValues } from './compose.js';

const execFileAsync = promisify(execFile);

/** Runs `docker …` and returns stdout; the edge the tests stub. */
export type DockerExec = (args: string[], env?: NodeJS.ProcessEnv) => Promise<string>;

export const execDocker: DockerExec = async (args, env) => {
  try {
    const { stdout } = await execFileAsync('docker', args, {
      env: { ...process.env, ...envFileValues(args), ...env },
      maxBuffer: 16 << 20,
    });
    return stdout;
  } catch (error) {
    const cause = failureLine((error as { stderr?: string }).stderr ?? '');
    throw new OpsError(
      `docker ${args.slice(0, 4).join(' ')} failed: ${cause ?? (error as Error).message}`,
    );
  }
};

/**
 * The line of a failed docker command's stderr that says why: the last one, leaving out the
 * docker client's closing pointers to its help ("Run 'docker --help' for more information",
 * "See 'docker --help'."), which follow the cause, never replace it.
 */
export function failureLine(stderr: string): string | undefined {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(Run|See) 'docker\b.*--help'/.test(line))
    .at(-1);
}

let ready: Promise<void> | undefined;

/**
 * Before the first docker command of a process: an engine that answers and the compose v2
 * plugin (`docker compose`), each refusal naming what is missing and the fix.
 */
export function requireDocker(docker: DockerExec = execDocker): Promise<void> {
  ready ??= (async () => {
    try {
      await docker(['info', '--format', '{{.ServerVersion}}'], {});
    } catch (error) {
      throw new OpsError(
        `this environment runs on docker, but no Docker engine answers (${(error as Error).message}); start it (sudo systemctl start docker, or dockerd)`,
      );
    }
    try {
      await docker(['compose', 'version'], {});
    } catch (error) {
      throw new OpsError(
        `this environment runs on docker, but \`docker compose\` does not work (${(error as Error).message}); install Docker's compose v2 plugin`,
      );
    }
  })();
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}

/**
 * Compose interpolates every variable for every command, so `ps`, `down` and `logs` need the
 * secret variables set too; they never use their values.
 */
export const NOT_STARTING = {
  MARIADB_ROOT_PASSWORD: 'unused-by-this-command',
  LB_ADMIN_TOKEN: 'unused-by-this-command',
};

/** `docker compose` pointed at the environment's durable project, env file and compose file. */
export function composeArgs(
  ctx: Pick<DurableContext, 'env' | 'paths'>,
  ...rest: string[]
): string[] {
  return [
    'compose',
    '-p',
    durableNames(ctx.env).composeProject,
    '--env-file',
    join(ctx.paths.root, 'durable', `.env.${ctx.env}`),
    '-f',
    join(ctx.paths.root, 'durable', 'docker-compose.yml'),
    ...rest,
  ];
}

async function volumeExists(ctx: DurableContext, docker: DockerExec): Promise<boolean> {
  return docker(['volume', 'inspect', durableNames(ctx.env).volume('mariadb')]).then(
    () => true,
    () => false,
  );
}

/**
 * The same semantics through docker compose: `up --wait` creates what is missing, starts what is
 * stopped and leaves running containers alone; then the same provisioning as natively.
 */
export async function dockerSetup(
  ctx: DurableContext,
  docker: DockerExec = execDocker,
): Promise<SetupResult> {
  const hadData = await volumeExists(ctx, docker);
  let creds = (await upgradeCredentials(ctx.paths.credentials))?.credentials ?? null;
  if (!creds && hadData) {
    throw new OpsError(
      `${ctx.env}: the database volume exists but ${ctx.paths.credentials} is missing; restore that file, ` +
        `or delete the environment's data with ./durable/teardown.sh ${ctx.env} --volumes`,
    );
  }
  if (!creds) {
    creds = generateCredentials();
    await writeCredentials(ctx.paths.credentials, creds);
  }
  // Prometheus scrapes the colours' containers by name (src/prometheus.ts).
  await writePrometheusConfig(ctx.paths, ctx.env, 'docker');
  const secrets = {
    MARIADB_ROOT_PASSWORD: creds.dbRootPassword,
    LB_ADMIN_TOKEN: creds.lbAdminToken,
    PROMETHEUS_CONFIG: ctx.paths.prometheus.config,
  };
  await ctx.report.step(
    'compose',
    () => docker(composeArgs(ctx, 'up', '-d', '--wait'), secrets),
    () => `project ${durableNames(ctx.env).composeProject} up`,
  );
  const result = await provision(
    ctx.env,
    ctx.plan,
    creds,
    { needed: true, access: { host: LOOPBACK, port: ctx.plan.durable.mariadb } },
    ctx.report,
  );
  return { ...result, changed: result.changed || !hadData, services: [] };
}

export async function dockerTeardown(
  ctx: DurableContext,
  volumes: boolean,
  docker: DockerExec = execDocker,
): Promise<TeardownResult> {
  await ctx.report.step(
    'compose',
    () => docker(composeArgs(ctx, 'down', ...(volumes ? ['--volumes'] : [])), NOT_STARTING),
    () => (volumes ? 'containers and volumes removed' : 'containers removed, volumes kept'),
  );
  return { stopped: [...DURABLE_SERVICES], deleted: volumes };
}

/** The fields of `docker inspect` that status shows. */
const inspected = z.array(
  z.object({
    Name: z.string(),
    RestartCount: z.number().int(),
    State: z.object({ Running: z.boolean(), StartedAt: z.string() }),
  }),
);

/** What status shows of a container beside its state, as natively (native/service.ts). */
export interface ContainerRuntime {
  /** Restarts by its restart policy since it was last started by a command (compose up). */
  restarts: number;
  /** Seconds since it started, while it runs. */
  uptimeSeconds: number | null;
}

/**
 * `docker inspect` of the named containers, by name. Name only containers that exist (from
 * `compose ps`): one missing name fails the whole command.
 */
export async function inspectContainers(
  names: string[],
  docker: DockerExec,
): Promise<Map<string, ContainerRuntime>> {
  const found = new Map<string, ContainerRuntime>();
  if (names.length === 0) return found;
  const out = await docker(['inspect', '--type', 'container', ...names]);
  let rows: z.infer<typeof inspected>;
  try {
    rows = inspected.parse(JSON.parse(out));
  } catch {
    throw new OpsError(`docker inspect printed something other than its JSON: ${out.slice(0, 80)}`);
  }
  for (const row of rows) {
    // Date.parse reads the engine's nanoseconds to the millisecond.
    const started = Date.parse(row.State.StartedAt);
    found.set(row.Name.replace(/^\//, ''), {
      restarts: row.RestartCount,
      uptimeSeconds:
        row.State.Running && Number.isFinite(started)
          ? Math.max(0, Math.floor((Date.now() - started) / 1000))
          : null,
    });
  }
  return found;
}

export async function dockerStatus(
  ctx: DurableContext,
  docker: DockerExec = execDocker,
): Promise<ServiceStatus[]> {
  const out = await docker(composeArgs(ctx, 'ps', '--all', '--format', 'json'), NOT_STARTING);
  // Compose prints one JSON object per line (newer) or one array (older).
  const rows = out
    .trim()
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => JSON.parse(line) as unknown)
    .flat() as { Service: string; State: string; Health?: string }[];
  const names = durableNames(ctx.env);
  const runtime = await inspectContainers(
    rows.map((r) => names.container(r.Service)),
    docker,
  );
  const ports: Record<DurableService, number> = {
    mariadb: ctx.plan.durable.mariadb,
    aws: ctx.plan.durable.aws,
    sqs: ctx.plan.durable.sqs,
    nginx: ctx.plan.durable.lbProduction,
    prometheus: ctx.plan.durable.prometheus,
    jaeger: ctx.plan.durable.jaeger,
  };
  return DURABLE_SERVICES.map((service) => {
    const row = rows.find((r) => r.Service === service);
    const running = row?.State === 'running';
    return {
      service,
      state: row ? (running ? 'running' : 'stopped') : 'missing',
      pid: null,
      port: ports[service],
      healthy:
        running && (row?.Health === undefined || row.Health === '' || row.Health === 'healthy'),
      rssBytes: null,
      detail: row ? `${row.State}${row.Health ? ` (${row.Health})` : ''}` : 'no container',
      restarts: runtime.get(names.container(service))?.restarts,
      uptimeSeconds: runtime.get(names.container(service))?.uptimeSeconds ?? null,
    };
  });
}
