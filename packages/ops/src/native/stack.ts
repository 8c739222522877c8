import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureQueuePair, type QueuePair } from '@echobase/infra/queue';
import { appEnvironment } from '../app-env.js';
import { emulatorSqs } from '../aws.js';
import { OpsError } from '../errors.js';
import { envPaths } from '../paths.js';
import { type Colour, colourNames, type EnvName, LOOPBACK, PORT_PLAN } from '../plan.js';
import {
  isAlive,
  livePid,
  portInUse,
  residentBytes,
  spawnDaemon,
  stopPid,
  tail,
  waitFor,
} from '../process.js';
import type { Release } from '../release.js';
import type { Reporter } from '../report.js';

/**
 * A colour's stack natively: the API gateway, the order processor and the frontend's static
 * server, as processes run from a release, with the colour's own SQS queue and DLQ.
 */
export const STACK_SERVICES = ['api', 'processor', 'frontend'] as const;
export type StackService = (typeof STACK_SERVICES)[number];

export interface StackInfo {
  buildId: string;
  releaseDir: string;
  startedAt: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
}

export interface StackServiceStatus {
  service: StackService;
  state: 'running' | 'stopped';
  pid: number | null;
  port: number;
  healthy: boolean;
  rssBytes: number | null;
}

export interface StackStatus {
  env: EnvName;
  colour: Colour;
  buildId: string | null;
  healthy: boolean;
  services: StackServiceStatus[];
}

export function stackPaths(env: EnvName, colour: Colour, root?: string) {
  const dir = join(envPaths(env, root).state, 'stacks', colour);
  return {
    dir,
    info: join(dir, 'stack.json'),
    pid: (s: StackService) => join(dir, `${s}.pid`),
    log: (s: StackService) => join(dir, `${s}.log`),
  };
}

export function servicePorts(env: EnvName, colour: Colour): Record<StackService, number> {
  const p = PORT_PLAN[env].colours[colour];
  return { api: p.api, processor: p.processorHealth, frontend: p.frontend };
}

const ENTRY: Record<StackService, string> = {
  api: 'apps/api-gateway/dist/main.js',
  processor: 'apps/order-processor/dist/main.js',
  frontend: 'apps/frontend/server.mjs',
};

/** What "ready" means for each service: the API and processor check their dependencies. */
export function readyUrl(service: StackService, port: number): string {
  return `http://${LOOPBACK}:${port}${service === 'frontend' ? '/health/live' : '/health/ready'}`;
}

export async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

export async function readStackInfo(
  env: EnvName,
  colour: Colour,
  root?: string,
): Promise<StackInfo | null> {
  try {
    return JSON.parse(await readFile(stackPaths(env, colour, root).info, 'utf8')) as StackInfo;
  } catch {
    return null;
  }
}

export async function stackStatus(
  env: EnvName,
  colour: Colour,
  root?: string,
): Promise<StackStatus> {
  const paths = stackPaths(env, colour, root);
  const info = await readStackInfo(env, colour, root);
  const p = servicePorts(env, colour);
  const services = await Promise.all(
    STACK_SERVICES.map(async (service): Promise<StackServiceStatus> => {
      const pid = await livePid(paths.pid(service), ENTRY[service].split('/').at(-1) as string);
      return {
        service,
        state: pid ? 'running' : 'stopped',
        pid,
        port: p[service],
        healthy: pid !== null && (await answers(readyUrl(service, p[service]))),
        rssBytes: pid !== null ? await residentBytes(pid) : null,
      };
    }),
  );
  return {
    env,
    colour,
    buildId: info?.buildId ?? null,
    healthy: services.every((s) => s.healthy),
    services,
  };
}

/** The colour's queue and DLQ, made if missing (both runtimes make them from this host). */
export async function colourQueues(env: EnvName, colour: Colour): Promise<QueuePair> {
  const sqs = emulatorSqs(env);
  const names = colourNames(env, colour);
  try {
    return await ensureQueuePair(sqs, { name: names.queue, deadLetterName: names.deadLetterQueue });
  } finally {
    sqs.destroy();
  }
}

/**
 * Starts the colour from `release`: running with the same build → left alone; running another
 * build → refused (retire it first); stopped → started. Returns once every service is ready.
 */
export async function stackUp(
  env: EnvName,
  colour: Colour,
  release: Release,
  report: Reporter,
  root?: string,
): Promise<StackInfo> {
  const paths = stackPaths(env, colour, root);
  const current = await stackStatus(env, colour, root);
  const running = current.services.filter((s) => s.state === 'running');
  if (running.length > 0 && current.buildId !== release.buildId) {
    throw new OpsError(
      `${colour} on ${env} runs build ${current.buildId}; retire it before starting ${release.buildId}`,
    );
  }
  if (running.length === STACK_SERVICES.length && current.healthy) {
    report.line(`  ${colour.padEnd(10)} already running build ${release.buildId}`);
    return (await readStackInfo(env, colour, root)) as StackInfo;
  }
  const p = servicePorts(env, colour);
  for (const s of current.services) {
    if (s.state === 'stopped' && (await portInUse(p[s.service]))) {
      throw new OpsError(
        `port ${p[s.service]} (${colour} ${s.service} of ${env}) is already in use by another process`,
      );
    }
  }

  const base = appEnvironment(env);
  const queues = await report.step(
    'queues',
    () => colourQueues(env, colour),
    () => `${colourNames(env, colour).queue} and its DLQ ready`,
  );

  await mkdir(paths.dir, { recursive: true });
  const info: StackInfo = {
    buildId: release.buildId,
    releaseDir: release.dir,
    startedAt: new Date().toISOString(),
    queueUrl: queues.queueUrl,
    deadLetterQueueUrl: queues.deadLetterQueueUrl,
  };
  await writeFile(paths.info, `${JSON.stringify(info, null, 2)}\n`);

  const env_ = {
    ...process.env,
    ...base,
    COLOUR: colour,
    BUILD_ID: release.buildId,
    HOST: LOOPBACK,
    HEALTH_HOST: LOOPBACK,
    PORT: '',
    ORDERS_QUEUE_URL: queues.queueUrl,
    HEALTH_PORT: String(p.processor),
    LOG_LEVEL: 'info',
  };
  for (const s of current.services) {
    if (s.state === 'running') continue;
    const service = s.service;
    await report.step(
      `${colour}`,
      async () => {
        const pid = await spawnDaemon({
          command: process.execPath,
          args: [join(release.dir, ENTRY[service])],
          logFile: paths.log(service),
          pidFile: paths.pid(service),
          cwd: release.dir,
          env: { ...env_, PORT: String(p[service]) },
        });
        await waitFor(
          `${colour} ${service} to be ready`,
          async () => {
            if (!(await isAlive(pid))) {
              throw new OpsError(
                `${colour} ${service} exited during start; its log says:\n${await tail(paths.log(service))}`,
              );
            }
            return answers(readyUrl(service, p[service]));
          },
          { timeoutMs: 60_000, intervalMs: 100 },
        );
        return pid;
      },
      (pid) => `${service} ready, pid ${pid} on ${LOOPBACK}:${p[service]}`,
    );
  }
  return info;
}

/**
 * Stops the colour: the API and frontend first (no new orders), then the processor, which
 * finishes its batch in hand. Each gets SIGTERM and time to drain.
 */
export async function stackDown(
  env: EnvName,
  colour: Colour,
  report: Reporter,
  root?: string,
): Promise<string[]> {
  const paths = stackPaths(env, colour, root);
  const stopped: string[] = [];
  for (const service of ['api', 'frontend', 'processor'] as const) {
    const pid = await livePid(paths.pid(service), ENTRY[service].split('/').at(-1) as string);
    if (!pid) continue;
    await report.step(
      `${colour}`,
      () => stopPid(pid, 'SIGTERM', 60_000),
      () => `${service} stopped`,
    );
    stopped.push(service);
  }
  return stopped;
}
