import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureQueuePair, type QueuePair } from '@echobase/infra/queue';
import { envPaths } from './paths.js';
import { type Colour, colourNames, type EnvName, LOOPBACK, PORT_PLAN } from './plan.js';
import { emulatorSqs } from './provision/aws.js';
import type { StackInfo, StackService } from './runtime.js';

/**
 * What a colour stack is in either runtime: where its state lives (stack.json), its ports, what
 * "ready" means for each service, and its queue pair. The runtimes (native/stack.ts,
 * docker/stack.ts) build on these.
 */

export function stackPaths(env: EnvName, colour: Colour, root?: string) {
  const dir = join(envPaths(env, root).state, 'stacks', colour);
  return {
    dir,
    info: join(dir, 'stack.json'),
    /** Written by versions before the supervisor; read to stop what they started. */
    pid: (s: StackService) => join(dir, `${s}.pid`),
    log: (s: StackService) => join(dir, `${s}.log`),
    /** Node's on-disk compile cache, shared by the colour's services and its releases. */
    compileCache: join(dir, 'compile-cache'),
  };
}

export function servicePorts(env: EnvName, colour: Colour): Record<StackService, number> {
  const p = PORT_PLAN[env].colours[colour];
  return { api: p.api, processor: p.processorHealth, frontend: p.frontend };
}

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
