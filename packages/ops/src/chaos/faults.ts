import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { createConnection } from 'mysql2/promise';
import { readyUrl, servicePorts } from '../colour-stack.js';
import { durableStatus } from '../durable.js';
import { OpsError } from '../errors.js';
import { type Colour, DATABASE_NAME, type EnvName, LOOPBACK, PORT_PLAN } from '../plan.js';
import { isAlive, waitFor } from '../process.js';
import { emulatorSqs } from '../provision/aws.js';
import { stackStatus } from '../stack.js';

/**
 * The faults a chaos run injects, one at a time: SIGKILL a process and let the supervisor bring
 * it back. Each fault knows how to find its victim and how to tell that the service answers
 * again (its own readiness, not merely a live pid).
 */
export const FAULTS = ['api', 'processor', 'frontend', 'mariadb', 'aws', 'sqs'] as const;
export type FaultName = (typeof FAULTS)[number];

export interface FaultContext {
  env: EnvName;
  /** The colour production routes to when the fault is injected. */
  active: Colour;
  /** The application database login, for the MariaDB probe. */
  dbLogin: { username: string; password: string };
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function databaseAnswers(ctx: FaultContext): Promise<boolean> {
  try {
    const conn = await createConnection({
      host: LOOPBACK,
      port: PORT_PLAN[ctx.env].durable.mariadb,
      database: DATABASE_NAME,
      user: ctx.dbLogin.username,
      password: ctx.dbLogin.password,
      connectTimeout: 1000,
    });
    try {
      await conn.query('SELECT 1');
      return true;
    } finally {
      conn.destroy();
    }
  } catch {
    return false;
  }
}

/** moto, the AWS endpoint of Secrets Manager and KMS: its own status page answers. */
async function motoAnswers(env: EnvName): Promise<boolean> {
  return answers(`http://${LOOPBACK}:${PORT_PLAN[env].durable.aws}/moto-api/`);
}

async function sqsAnswers(env: EnvName): Promise<boolean> {
  const sqs = emulatorSqs(env);
  try {
    await sqs.send(new ListQueuesCommand({}), { abortSignal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  } finally {
    sqs.destroy();
  }
}

/**
 * The process the fault kills — the active colour's app, or the durable layer's server — and
 * how long it has been up. (The supervisor treats a process that dies within its `startsecs`
 * as a failed start and backs off: a run kills only a process that has settled.)
 */
export async function victim(
  name: FaultName,
  ctx: FaultContext,
): Promise<{ pid: number; uptimeSeconds: number }> {
  const services =
    name === 'mariadb' || name === 'aws' || name === 'sqs'
      ? (await durableStatus({ env: ctx.env })).services
      : (await stackStatus(ctx.env, ctx.active)).services;
  const service = services.find((s) => s.service === name);
  if (!service?.pid) throw new OpsError(`chaos: ${name} is not running`);
  return { pid: service.pid, uptimeSeconds: service.uptimeSeconds ?? 0 };
}

/** True once the service behind the fault answers again. */
export function recovered(name: FaultName, ctx: FaultContext): Promise<boolean> {
  switch (name) {
    case 'mariadb':
      return databaseAnswers(ctx);
    case 'aws':
      return motoAnswers(ctx.env);
    case 'sqs':
      return sqsAnswers(ctx.env);
    default:
      return answers(readyUrl(name, servicePorts(ctx.env, ctx.active)[name]));
  }
}

/**
 * SIGKILLs the victim and waits until the kernel has taken it away (a killed child stays a
 * zombie until its supervisor reaps it), so a probe that passes afterwards is the new process.
 */
export async function kill(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor(`pid ${pid} to die`, async () => !(await isAlive(pid)), {
    timeoutMs: 5000,
    intervalMs: 5,
  });
}
