import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TRACING_HOOK } from '@echobase/infra/tracing';
import { appEnvironment } from '../app-env.js';
/**
 * A colour's stack natively: the API gateway, the order processor and the frontend's static
 * server, as processes run from a release by the environment's supervisor, with the colour's
 * own SQS queue and DLQ. Each program's definition names its release folder, so whatever
 * restarts it (the supervisor after a crash, or `stack up`) runs the colour's own build.
 */
import {
  answers,
  colourQueues,
  readStackInfo,
  readyUrl,
  servicePorts,
  stackPaths,
} from '../colour-stack.js';
import { type Release, readRelease } from '../deploy/release.js';
import { OpsError } from '../errors.js';
import { type Colour, colourNames, type EnvName, LOOPBACK } from '../plan.js';
import {
  livePid,
  portInUse,
  removeFile,
  residentBytes,
  stopPid,
  tail,
  waitFor,
} from '../process.js';
import type { Reporter } from '../report.js';
import {
  STACK_SERVICES,
  type StackInfo,
  type StackService,
  type StackServiceStatus,
  type StackStatus,
} from '../runtime.js';
import { type ProcessInfo, type ProgramSpec, RETRYING, Supervisor } from './supervisor.js';

const ENTRY: Record<StackService, string> = {
  api: 'apps/api-gateway/dist/main.js',
  processor: 'apps/order-processor/dist/main.js',
  frontend: 'apps/frontend/server.mjs',
};

/** The supervisor's name for a colour's service: `blue-api`. */
export const programName = (colour: Colour, service: StackService) => `${colour}-${service}`;

interface ServiceProcess {
  pid: number | null;
  /** False for a process started before the supervisor, found through its pid file. */
  supervised: boolean;
  info: ProcessInfo | undefined;
}

async function processes(
  env: EnvName,
  colour: Colour,
  sup: Supervisor,
  root?: string,
): Promise<Record<StackService, ServiceProcess>> {
  const paths = stackPaths(env, colour, root);
  const infos = await sup.infos();
  const supervisedPids = new Set([...infos.values()].map((i) => i.pid));
  const entries = await Promise.all(
    STACK_SERVICES.map(async (service): Promise<[StackService, ServiceProcess]> => {
      const info = infos.get(programName(colour, service));
      if (info?.pid) return [service, { pid: info.pid, supervised: true, info }];
      // A pid file only from before the supervisor; never one of its own processes (the API and
      // the processor are both main.js, and pids get reused).
      const found = await livePid(paths.pid(service), ENTRY[service].split('/').at(-1) as string);
      const old = found !== null && !supervisedPids.has(found) ? found : null;
      return [service, { pid: old, supervised: old === null, info }];
    }),
  );
  return Object.fromEntries(entries) as Record<StackService, ServiceProcess>;
}

export async function stackStatus(
  env: EnvName,
  colour: Colour,
  root?: string,
): Promise<StackStatus> {
  const sup = new Supervisor(env, root);
  const [info, procs, restarts] = await Promise.all([
    readStackInfo(env, colour, root),
    processes(env, colour, sup, root),
    sup.restarts(),
  ]);
  const p = servicePorts(env, colour);
  const services = await Promise.all(
    STACK_SERVICES.map(async (service): Promise<StackServiceStatus> => {
      const { pid, info: proc } = procs[service];
      return {
        service,
        state: pid ? 'running' : 'stopped',
        pid,
        port: p[service],
        healthy: pid !== null && (await answers(readyUrl(service, p[service]))),
        rssBytes: pid !== null ? await residentBytes(pid) : null,
        restarts: restarts[programName(colour, service)]?.restarts ?? 0,
        uptimeSeconds: proc?.uptimeSeconds ?? null,
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

/**
 * The release the colour is up with: its programs are defined in the supervisor (some may be
 * down, being restarted, or given up on), so starting it again means that release, never a
 * new build of the checkout. Null when the colour is down.
 */
export async function ownRelease(
  env: EnvName,
  colour: Colour,
  root: string,
): Promise<Release | null> {
  const sup = new Supervisor(env, root);
  const infos = await sup.infos();
  if (!STACK_SERVICES.some((s) => infos.has(programName(colour, s)))) return null;
  const info = await readStackInfo(env, colour, root);
  return info ? readRelease(root, info.buildId) : null;
}

function appProgram(
  env: EnvName,
  colour: Colour,
  service: StackService,
  release: Release,
  queueUrl: string,
  root?: string,
): ProgramSpec {
  const p = servicePorts(env, colour);
  return {
    name: programName(colour, service),
    // The apps start with the tracing SDK loaded first; the frontend's static server has none.
    command: [
      process.execPath,
      ...(service === 'frontend' ? [] : TRACING_HOOK),
      join(release.dir, ENTRY[service]),
    ],
    directory: release.dir,
    // Only what the apps read: nothing of the caller's own environment is written to the config.
    environment: {
      ...appEnvironment(env),
      COLOUR: colour,
      BUILD_ID: release.buildId,
      HOST: LOOPBACK,
      HEALTH_HOST: LOOPBACK,
      ORDERS_QUEUE_URL: queueUrl,
      HEALTH_PORT: String(p.processor),
      LOG_LEVEL: 'info',
      PORT: String(p[service]),
      // A restarted service skips compiling the modules it loaded before (Node 22.1+): about
      // half of an API start under load, the part that decides how soon it answers again.
      NODE_COMPILE_CACHE: stackPaths(env, colour, root).compileCache,
    },
    logFile: stackPaths(env, colour, root).log(service),
    stopSignal: 'TERM',
    stopWaitSecs: 60,
    // When supervisord itself shuts down, it stops higher priorities first: the API and the
    // frontend (no new orders), then the processor, which finishes the batch in hand.
    priority: service === 'processor' ? 800 : 900,
  };
}

/**
 * Starts the colour from `release`: running with the same build → left alone, or its stopped
 * services started again; running another build → refused (retire it first); stopped →
 * started. Returns once every service is ready.
 */
export async function stackUp(
  env: EnvName,
  colour: Colour,
  release: Release,
  report: Reporter,
  root?: string,
): Promise<StackInfo> {
  const sup = new Supervisor(env, root);
  await sup.require();
  const paths = stackPaths(env, colour, root);
  const current = await stackStatus(env, colour, root);
  const running = current.services.filter((s) => s.state === 'running');
  if (running.length > 0 && current.buildId !== release.buildId) {
    throw new OpsError(
      `${colour} on ${env} runs build ${current.buildId}; retire it before starting ${release.buildId}`,
    );
  }
  const procs = await processes(env, colour, sup, root);
  if (running.length === STACK_SERVICES.length && current.healthy) {
    // Healthy processes started before the supervisor are left serving: handing them over
    // would interrupt the colour. The next deploy replaces them with supervised ones.
    const unsupervised = STACK_SERVICES.filter((s) => !procs[s].supervised);
    report.line(
      `  ${colour.padEnd(10)} already running build ${release.buildId}${unsupervised.length > 0 ? ` (${unsupervised.join(', ')} started before the supervisor: not restarted if they crash until the colour is redeployed or stopped and started)` : ''}`,
    );
    return (await readStackInfo(env, colour, root)) as StackInfo;
  }
  // Processes started before the supervisor run the same build: hand them over to it.
  for (const service of STACK_SERVICES) {
    const { pid, supervised } = procs[service];
    if (pid !== null && !supervised) {
      await report.step(
        colour,
        async () => {
          await stopPid(pid, 'SIGTERM', 60_000);
          await removeFile(paths.pid(service));
        },
        () => `${service} (pid ${pid}, started before the supervisor) stopped, to run under it`,
      );
      procs[service] = { pid: null, supervised: true, info: procs[service].info };
    }
  }
  const p = servicePorts(env, colour);
  for (const service of STACK_SERVICES) {
    if (procs[service].pid === null && (await portInUse(p[service]))) {
      throw new OpsError(
        `port ${p[service]} (${colour} ${service} of ${env}) is already in use by another process`,
      );
    }
  }

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
  await sup.define(
    STACK_SERVICES.map((s) => appProgram(env, colour, s, release, queues.queueUrl, root)),
  );

  for (const service of STACK_SERVICES) {
    if (procs[service].pid !== null) continue;
    const name = programName(colour, service);
    await report.step(
      `${colour}`,
      async () => {
        // A service the supervisor is retrying (or gave up on) starts afresh, with its count.
        const before = await sup.info(name);
        if (before && RETRYING.includes(before.state)) await sup.stop(name);
        await sup.start(name);
        return waitFor(
          `${colour} ${service} to be ready`,
          async () => {
            const now = await sup.info(name);
            if (!now || now.state === 'STOPPED' || RETRYING.includes(now.state)) {
              await sup.stop(name);
              throw new OpsError(
                `${colour} ${service} exited during start; its log says:\n${await tail(paths.log(service))}`,
              );
            }
            return now.pid !== null && (await answers(readyUrl(service, p[service])))
              ? now.pid
              : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 100 },
        );
      },
      (pid) => `${service} ready, pid ${pid} on ${LOOPBACK}:${p[service]}`,
    );
  }
  return info;
}

/**
 * Stops the colour: the API and frontend first (no new orders), then the processor, which
 * finishes its batch in hand. Each gets SIGTERM and time to drain. Its programs are then
 * removed from the supervisor: a colour that is down is not restarted by anything.
 */
export async function stackDown(
  env: EnvName,
  colour: Colour,
  report: Reporter,
  root?: string,
): Promise<string[]> {
  const sup = new Supervisor(env, root);
  const procs = await processes(env, colour, sup, root);
  const stopped: string[] = [];
  for (const service of ['api', 'frontend', 'processor'] as const) {
    const { pid, supervised, info } = procs[service];
    const name = programName(colour, service);
    if (pid === null) {
      // Not running, but maybe waiting to be restarted: that stops too.
      if (info && RETRYING.includes(info.state)) await sup.stop(name);
      continue;
    }
    await report.step(
      `${colour}`,
      async () => {
        if (supervised) await sup.stop(name);
        else {
          await stopPid(pid, 'SIGTERM', 60_000);
          await removeFile(stackPaths(env, colour, root).pid(service));
        }
      },
      () => `${service} stopped`,
    );
    stopped.push(service);
  }
  await sup.remove(STACK_SERVICES.map((s) => programName(colour, s)));
  return stopped;
}
