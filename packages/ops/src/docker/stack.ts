import { mkdir, writeFile } from 'node:fs/promises';
import type { QueuePair } from '@echobase/infra/queue';
import {
  answers,
  colourQueues,
  readStackInfo,
  readyUrl,
  servicePorts,
  stackPaths,
} from '../colour-stack.js';
import type { Release } from '../deploy/release.js';
import { OpsError } from '../errors.js';
import { type Colour, colourNames, type EnvName } from '../plan.js';
import type { Reporter } from '../report.js';
import {
  STACK_SERVICES,
  type StackInfo,
  type StackServiceStatus,
  type StackStatus,
} from '../runtime.js';
import { COMPOSE_SERVICE, colourComposeArgs } from './compose.js';
import { type DockerExec, execDocker, inspectContainers } from './durable.js';

/**
 * A colour's stack in docker: docker-compose.yml plus the colour's override, as one compose
 * project per environment and colour, images built from the checkout and tagged by build id.
 * The same contract as the native stack (native/stack.ts): the same stack.json, the same
 * queues, the same readiness checks on the same published ports.
 */

/** What compose interpolates: the environment, and the build the images are tagged with. */
const composeEnv = (env: EnvName, buildId: string) => ({ ECHOBASE_ENV: env, BUILD_ID: buildId });

interface PsRow {
  Service: string;
  State: string;
  Health?: string;
}

/** Compose prints one JSON object per line (newer) or one array (older). */
function parsePs(out: string): PsRow[] {
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => JSON.parse(line) as unknown)
    .flat() as PsRow[];
}

/** `12.5MiB / 1.9GiB` → bytes of the first figure. */
export function parseMemUsage(text: string): number | null {
  const match = /^([\d.]+)\s*([KMGT]?i?B)/.exec(text.trim());
  if (!match) return null;
  const units: Record<string, number> = {
    B: 1,
    KiB: 2 ** 10,
    MiB: 2 ** 20,
    GiB: 2 ** 30,
    TiB: 2 ** 40,
    KB: 1e3,
    MB: 1e6,
    GB: 1e9,
    TB: 1e12,
  };
  const unit = units[match[2] as string];
  return unit === undefined ? null : Math.round(Number(match[1]) * unit);
}

export async function dockerStackStatus(
  env: EnvName,
  colour: Colour,
  root: string,
  docker: DockerExec = execDocker,
  // Whether a readiness URL answers; injected by unit tests, whose outcome must not depend on
  // what listens on this machine's ports.
  ready: (url: string) => Promise<boolean> = answers,
): Promise<StackStatus> {
  const info = await readStackInfo(env, colour, root);
  const rows = parsePs(
    await docker(
      colourComposeArgs(root, env, colour, 'ps', '--all', '--format', 'json'),
      composeEnv(env, info?.buildId ?? 'none'),
    ),
  );
  const names = colourNames(env, colour);
  const memory = new Map<string, number | null>();
  const running = rows.filter((r) => r.State === 'running');
  if (running.length > 0) {
    const stats = await docker([
      'stats',
      '--no-stream',
      '--format',
      '{{.Name}}\t{{.MemUsage}}',
      ...running.map((r) => names.container(r.Service)),
    ]);
    for (const line of stats.trim().split('\n').filter(Boolean)) {
      const [name = '', usage = ''] = line.split('\t');
      memory.set(name, parseMemUsage(usage));
    }
  }
  const runtime = await inspectContainers(
    rows.map((r) => names.container(r.Service)),
    docker,
  );
  const ports = servicePorts(env, colour);
  const services = await Promise.all(
    STACK_SERVICES.map(async (service): Promise<StackServiceStatus> => {
      const row = rows.find((r) => r.Service === COMPOSE_SERVICE[service]);
      const up = row?.State === 'running';
      return {
        service,
        state: up ? 'running' : 'stopped',
        pid: null,
        port: ports[service],
        healthy: up && (await ready(readyUrl(service, ports[service]))),
        rssBytes: memory.get(names.container(COMPOSE_SERVICE[service])) ?? null,
        restarts: runtime.get(names.container(COMPOSE_SERVICE[service]))?.restarts,
        uptimeSeconds:
          runtime.get(names.container(COMPOSE_SERVICE[service]))?.uptimeSeconds ?? null,
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

/** Up and down act on which services run, never on whether they answer: no probes. */
const unprobed = async () => false;

/**
 * Builds the images of `release` from the checkout and starts the colour with `up --wait`
 * (which returns once every healthcheck passes). Running with another build → refused.
 */
export async function dockerStackUp(
  env: EnvName,
  colour: Colour,
  release: Release,
  report: Reporter,
  root: string,
  docker: DockerExec = execDocker,
  // Made from this host too (the stack's one-shot queues service then changes nothing), so
  // stack.json holds their URLs as this host reaches them.
  queues: (env: EnvName, colour: Colour) => Promise<QueuePair> = colourQueues,
): Promise<StackInfo> {
  const current = await dockerStackStatus(env, colour, root, docker, unprobed);
  if (current.services.some((s) => s.state === 'running') && current.buildId !== release.buildId) {
    throw new OpsError(
      `${colour} on ${env} runs build ${current.buildId}; retire it before starting ${release.buildId}`,
    );
  }
  const names = colourNames(env, colour);
  const pair = await report.step(
    'queues',
    () => queues(env, colour),
    () => `${names.queue} and its DLQ ready`,
  );
  const paths = stackPaths(env, colour, root);
  await mkdir(paths.dir, { recursive: true });
  const info: StackInfo = {
    buildId: release.buildId,
    releaseDir: root,
    startedAt: new Date().toISOString(),
    queueUrl: pair.queueUrl,
    deadLetterQueueUrl: pair.deadLetterQueueUrl,
  };
  await writeFile(paths.info, `${JSON.stringify(info, null, 2)}\n`);
  await report.step(
    colour,
    () =>
      docker(
        colourComposeArgs(root, env, colour, 'up', '-d', '--build', '--wait'),
        composeEnv(env, release.buildId),
      ),
    () => `project ${names.composeProject} up with images ${release.buildId}`,
  );
  return info;
}

/** `compose down`: SIGTERM to each container (the apps drain), then removed; images stay. */
export async function dockerStackDown(
  env: EnvName,
  colour: Colour,
  report: Reporter,
  root: string,
  docker: DockerExec = execDocker,
): Promise<string[]> {
  const current = await dockerStackStatus(env, colour, root, docker, unprobed);
  const running = current.services.filter((s) => s.state === 'running').map((s) => s.service);
  if (running.length === 0) return [];
  await report.step(
    colour,
    () =>
      docker(
        colourComposeArgs(root, env, colour, 'down', '--timeout', '60'),
        composeEnv(env, current.buildId ?? 'none'),
      ),
    () => `project ${colourNames(env, colour).composeProject} down`,
  );
  return running;
}
