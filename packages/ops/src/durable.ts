import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { forgetRuntime, recordRuntime } from './env-runtime.js';
import { OpsError } from './errors.js';
import { envPaths } from './paths.js';
import { COLOURS, type EnvName, PORT_PLAN } from './plan.js';
import { type Reporter, silentReporter } from './report.js';
import type {
  DurableContext,
  Runtime,
  RuntimeName,
  ServiceStatus,
  SetupResult,
  TeardownResult,
} from './runtime.js';
import { runtimeOf } from './runtimes.js';

export interface DurableOptions {
  env: EnvName;
  report?: Reporter;
  /**
   * The runtime asked for (ECHOBASE_RUNTIME when omitted). An environment keeps the runtime it
   * was first set up with: asking for the other one is refused (env-runtime.ts).
   */
  runtime?: RuntimeName;
  root?: string;
}

async function context(
  options: DurableOptions,
): Promise<{ ctx: DurableContext; runtime: Runtime }> {
  const runtime = await runtimeOf(options.env, {
    ...(options.root !== undefined ? { root: options.root } : {}),
    override: options.runtime ?? process.env.ECHOBASE_RUNTIME,
  });
  return {
    runtime,
    ctx: {
      env: options.env,
      plan: PORT_PLAN[options.env],
      paths: envPaths(options.env, options.root),
      report: options.report ?? silentReporter,
    },
  };
}

/** One setup or teardown per environment at a time; a second one waits for the first. */
async function withEnvLock<T>(ctx: DurableContext, work: () => Promise<T>): Promise<T> {
  await mkdir(dirname(ctx.paths.lock), { recursive: true });
  const release = await lockfile
    .lock(ctx.paths.state, {
      realpath: false,
      lockfilePath: ctx.paths.lock,
      stale: 15_000,
      retries: { retries: 600, minTimeout: 100, maxTimeout: 200 },
      onCompromised: () => {},
    })
    .catch((error: Error) => {
      throw new OpsError(
        `another echobase command holds the ${ctx.env} lock (${ctx.paths.lock}): ${error.message}`,
      );
    });
  try {
    return await work();
  } finally {
    await release();
  }
}

export async function setupDurable(
  options: DurableOptions,
): Promise<SetupResult & { runtime: RuntimeName }> {
  const { ctx, runtime } = await context(options);
  ctx.report.line(`durable layer ${ctx.env}: setting up (${runtime.name} runtime)`);
  const result = await withEnvLock(ctx, async () => {
    const done = await runtime.durable.setup(ctx);
    await recordRuntime(ctx.env, runtime.name, options.root);
    return done;
  });
  return { ...result, runtime: runtime.name };
}

export async function teardownDurable(
  options: DurableOptions & { volumes: boolean },
): Promise<TeardownResult & { runtime: RuntimeName }> {
  const { ctx, runtime } = await context(options);
  ctx.report.line(
    `durable layer ${ctx.env}: tearing down (${runtime.name} runtime${options.volumes ? ', deleting data' : ''})`,
  );
  const result = await withEnvLock(ctx, async () => {
    // The colours first, in either runtime: they run on the layer (in docker, on its network).
    for (const colour of COLOURS)
      await runtime.stack.down(ctx.env, colour, ctx.report, ctx.paths.root);
    const done = await runtime.durable.teardown(ctx, options.volumes);
    if (options.volumes) await forgetRuntime(ctx.env, options.root);
    return done;
  });
  return { ...result, runtime: runtime.name };
}

export interface DurableStatus {
  env: EnvName;
  runtime: RuntimeName;
  healthy: boolean;
  services: ServiceStatus[];
}

export async function durableStatus(options: DurableOptions): Promise<DurableStatus> {
  const { ctx, runtime } = await context(options);
  const services = await runtime.durable.status(ctx);
  return {
    env: options.env,
    runtime: runtime.name,
    healthy: services.every((s) => s.healthy),
    services,
  };
}
