import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { generateCredentials, upgradeCredentials, writeCredentials } from '../credentials.js';
import { findCommand, nativeDependencies, requireDependencies } from '../deps.js';
import { OpsError } from '../errors.js';
import type { EnvPaths } from '../paths.js';
import { toolPaths } from '../paths.js';
import type { EnvName, EnvPlan } from '../plan.js';
import { portInUse, residentBytes } from '../process.js';
import { type ProvisionResult, provision } from '../provision.js';
import type { Reporter } from '../report.js';
import { mariadbService } from './mariadb.js';
import { motoService } from './moto.js';
import { nginxService, writeNginxAdminToken } from './nginx.js';
import type { NativeService, ServiceStatus } from './service.js';

export interface NativeContext {
  env: EnvName;
  plan: EnvPlan;
  paths: EnvPaths;
  report: Reporter;
}

export type ServiceAction = 'created' | 'started' | 'running';

export interface SetupResult extends ProvisionResult {
  services: { service: string; action: ServiceAction; pid: number }[];
}

async function services(ctx: NativeContext): Promise<NativeService[]> {
  const tools = toolPaths(ctx.paths.root);
  const need = async (command: string) => (await findCommand(command)) ?? command;
  return [
    mariadbService(ctx.paths.mariadb, ctx.plan.durable.mariadb, {
      mariadbd: await need('mariadbd'),
      installDb: await need('mariadb-install-db'),
    }),
    motoService(ctx.paths.aws, ctx.plan.durable.aws, tools.motoServer),
    nginxService(ctx.paths.nginx, ctx.plan.durable, tools.nginxTemplate, await need('nginx')),
  ];
}

/**
 * missing → create; stopped → start; running → verify and report, change nothing. Every check
 * that can refuse (credentials, ports) runs before anything is started.
 */
export async function nativeSetup(ctx: NativeContext): Promise<SetupResult> {
  const tools = toolPaths(ctx.paths.root);
  await requireDependencies(nativeDependencies(tools.motoServer), 'sudo ./scripts/install-deps.sh');
  const all = await services(ctx);
  const states = await Promise.all(all.map((s) => s.state()));
  const dbState = states[0]?.state;

  let creds = (await upgradeCredentials(ctx.paths.credentials))?.credentials ?? null;
  if (!creds && dbState !== 'missing') {
    throw new OpsError(
      `${ctx.env}: the database exists but ${ctx.paths.credentials} is missing; restore that file, ` +
        `or delete the environment's data with ./durable/teardown.sh ${ctx.env} --volumes`,
    );
  }
  for (const [i, service] of all.entries()) {
    if (states[i]?.state === 'running') continue;
    for (const port of service.ports) {
      if (await portInUse(port)) {
        throw new OpsError(
          `port ${port} (${service.service} of ${ctx.env}) is already in use by another process; stop it or free the port`,
        );
      }
    }
  }

  await mkdir(ctx.paths.state, { recursive: true, mode: 0o700 });
  const actions: SetupResult['services'] = [];
  for (const [i, service] of all.entries()) {
    const { state, pid } = states[i] ?? { state: 'missing', pid: null };
    const where = `127.0.0.1:${service.ports[0]}`;
    // nginx's master reads the admin token when it starts (credentials exist by now: mariadb,
    // first in the list, created them if they were missing).
    if (service.service === 'nginx' && creds)
      await writeNginxAdminToken(ctx.paths.nginx.prefix, creds.lbAdminToken);
    if (state === 'running' && pid !== null) {
      ctx.report.line(`  ${service.service.padEnd(10)} already running, pid ${pid} on ${where}`);
      actions.push({ service: service.service, action: 'running', pid });
      continue;
    }
    if (state === 'missing') {
      await ctx.report.step(
        service.service,
        () => service.create(),
        () => 'created its data folder',
      );
      if (service.service === 'mariadb' && !creds) {
        creds = generateCredentials();
        await writeCredentials(ctx.paths.credentials, creds);
      }
    }
    const started = await ctx.report.step(
      service.service,
      () => service.start(),
      (newPid) => `started, pid ${newPid} on ${where}`,
    );
    actions.push({
      service: service.service,
      action: state === 'missing' ? 'created' : 'started',
      pid: started,
    });
  }
  if (!creds) throw new OpsError(`${ctx.env}: no credentials file after setup`);

  const result = await provision(
    ctx.env,
    ctx.plan,
    creds,
    {
      needed: !existsSync(ctx.paths.mariadb.bootstrapped),
      access: { socketPath: ctx.paths.mariadb.socket },
      done: () => writeFile(ctx.paths.mariadb.bootstrapped, `${new Date().toISOString()}\n`),
    },
    ctx.report,
  );
  return {
    ...result,
    services: actions,
    changed: result.changed || actions.some((a) => a.action !== 'running'),
  };
}

export interface TeardownResult {
  stopped: string[];
  deleted: boolean;
}

/** Stops every service (reverse order) and keeps the data, unless `volumes` says to delete it. */
export async function nativeTeardown(
  ctx: NativeContext,
  volumes: boolean,
): Promise<TeardownResult> {
  const all = (await services(ctx)).reverse();
  const stopped: string[] = [];
  for (const service of all) {
    const wasRunning = await ctx.report.step(
      service.service,
      () => service.stop(),
      (was) => (was ? 'stopped' : 'was not running'),
    );
    if (wasRunning) stopped.push(service.service);
  }
  let deleted = false;
  if (volumes) {
    // Only ever the environment's own folder: .echobase/<env>.
    const state = ctx.paths.state;
    if (basename(state) !== ctx.env || basename(dirname(state)) !== '.echobase') {
      throw new OpsError(`refusing to delete ${state}: not an environment state folder`);
    }
    deleted = existsSync(state);
    await ctx.report.step(
      'data',
      () => rm(state, { recursive: true, force: true }),
      () => (deleted ? `deleted ${state}` : 'nothing to delete'),
    );
  }
  return { stopped, deleted };
}

export async function nativeStatus(ctx: NativeContext): Promise<ServiceStatus[]> {
  const all = await services(ctx);
  return Promise.all(
    all.map(async (service): Promise<ServiceStatus> => {
      const { state, pid } = await service.state();
      const health =
        state === 'running' ? await service.health() : { healthy: false, detail: state };
      return {
        service: service.service,
        state,
        pid,
        port: service.ports[0],
        healthy: health.healthy,
        rssBytes: pid !== null ? await residentBytes(pid) : null,
        detail: health.detail,
      };
    }),
  );
}
