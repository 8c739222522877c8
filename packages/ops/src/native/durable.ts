import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { findCommand, nativeDependencies, requireDependencies } from '../deps.js';
import { OpsError } from '../errors.js';
import { toolPaths } from '../paths.js';
import { portInUse, residentBytes } from '../process.js';
import {
  generateCredentials,
  upgradeCredentials,
  writeCredentials,
} from '../provision/credentials.js';
import { provision } from '../provision/provision.js';
import type { DurableContext, SetupResult, TeardownResult } from '../runtime.js';
import { elasticmqService } from './elasticmq.js';
import { jaegerService } from './jaeger.js';
import { mariadbService } from './mariadb.js';
import { motoService } from './moto.js';
import {
  adminTokenAccepted,
  nginxService,
  reloadNginxAdminToken,
  writeNginxAdminToken,
} from './nginx.js';
import { prometheusService } from './prometheus.js';
import type { NativeService, ServiceStatus } from './service.js';
import { RETRYING, Supervisor } from './supervisor.js';

export type { DurableContext, SetupResult, TeardownResult };

async function services(ctx: DurableContext, sup: Supervisor): Promise<NativeService[]> {
  const tools = toolPaths(ctx.paths.root);
  const need = async (command: string) => (await findCommand(command)) ?? command;
  return [
    mariadbService(sup, ctx.paths.mariadb, ctx.plan.durable.mariadb, {
      mariadbd: await need('mariadbd'),
      installDb: await need('mariadb-install-db'),
    }),
    motoService(sup, ctx.paths.aws, ctx.plan.durable.aws, tools.motoServer),
    elasticmqService(sup, ctx.paths.sqs, ctx.plan.durable.sqs, tools.elasticmq, await need('java')),
    nginxService(sup, ctx.paths.nginx, ctx.plan.durable, tools.nginxTemplate, await need('nginx')),
    prometheusService(
      sup,
      ctx.env,
      ctx.paths,
      ctx.plan.durable.prometheus,
      await need('prometheus'),
    ),
    jaegerService(sup, ctx.paths.jaeger, ctx.plan.durable, tools.jaeger),
  ];
}

/**
 * missing → create; stopped → start; running → verify and report, change nothing. Every check
 * that can refuse (credentials, ports) runs before anything is started.
 */
export async function nativeSetup(ctx: DurableContext): Promise<SetupResult> {
  const tools = toolPaths(ctx.paths.root);
  await requireDependencies(nativeDependencies(tools), 'sudo ./scripts/install-deps.sh');
  const sup = new Supervisor(ctx.env, ctx.paths.root);
  const all = await services(ctx, sup);
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
  const supervisor = await ctx.report.step(
    'supervisor',
    () => sup.ensureRunning(),
    (r) => `${r}, socket ${sup.paths.socket}`,
  );
  const actions: SetupResult['services'] = [];
  for (const [i, service] of all.entries()) {
    const { state, pid, supervised } = states[i] ?? {
      state: 'missing',
      pid: null,
      supervised: true,
    };
    const where = `127.0.0.1:${service.ports[0]}`;
    // nginx's master reads the admin token when it starts or reloads (credentials exist by
    // now: mariadb, first in the list, created them if they were missing).
    const tokenChanged =
      service.service === 'nginx' && creds
        ? await writeNginxAdminToken(ctx.paths.nginx.prefix, creds.lbAdminToken)
        : false;
    if (state === 'running' && pid !== null && supervised) {
      // A changed token, or one the running master never read (a file written while it ran).
      if (
        creds &&
        service.service === 'nginx' &&
        (tokenChanged || !(await adminTokenAccepted(ctx.plan.durable, creds.lbAdminToken)))
      ) {
        const token = creds.lbAdminToken;
        await ctx.report.step(
          service.service,
          () => reloadNginxAdminToken(sup, ctx.plan.durable, token),
          () => `reloaded: the admin token changed (pid ${pid}, on ${where})`,
        );
        actions.push({ service: service.service, action: 'reloaded', pid });
        continue;
      }
      ctx.report.line(`  ${service.service.padEnd(10)} already running, pid ${pid} on ${where}`);
      actions.push({ service: service.service, action: 'running', pid });
      continue;
    }
    if (state === 'running' && !supervised) {
      // Started by an earlier version of this CLI, outside the supervisor: run it under it.
      await ctx.report.step(
        service.service,
        () => service.stop(),
        () => `stopped pid ${pid}, started before the supervisor, to run it under it`,
      );
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
    changed:
      result.changed || supervisor === 'started' || actions.some((a) => a.action !== 'running'),
  };
}

/**
 * Stops both colours' apps, then every durable service (reverse order), then the supervisor,
 * and keeps the data, unless `volumes` says to delete it.
 */
export async function nativeTeardown(
  ctx: DurableContext,
  volumes: boolean,
): Promise<TeardownResult> {
  const sup = new Supervisor(ctx.env, ctx.paths.root);
  const all = (await services(ctx, sup)).reverse();
  const stopped: string[] = [];
  for (const service of all) {
    const wasRunning = await ctx.report.step(
      service.service,
      () => service.stop(),
      (was) => (was ? 'stopped' : 'was not running'),
    );
    if (wasRunning) stopped.push(service.service);
  }
  await ctx.report.step(
    'supervisor',
    () => sup.shutdown(),
    (was) => (was ? 'stopped' : 'was not running'),
  );
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

export async function nativeStatus(ctx: DurableContext): Promise<ServiceStatus[]> {
  const sup = new Supervisor(ctx.env, ctx.paths.root);
  const all = await services(ctx, sup);
  const [infos, restarts] = await Promise.all([sup.infos(), sup.restarts()]);
  return Promise.all(
    all.map(async (service): Promise<ServiceStatus> => {
      const { state, pid } = await service.state();
      const info = infos.get(service.service);
      const health =
        state === 'running'
          ? await service.health()
          : {
              healthy: false,
              detail:
                info && RETRYING.includes(info.state)
                  ? `${info.state.toLowerCase()}: the supervisor is starting it again`
                  : state,
            };
      return {
        restarts: restarts[service.service]?.restarts ?? 0,
        uptimeSeconds: info?.uptimeSeconds ?? null,
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
