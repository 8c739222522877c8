import { mkdir } from 'node:fs/promises';
import { OpsError } from '../errors.js';
import type { DurableService } from '../plan.js';
import { livePid, stopPid, tail, waitFor } from '../process.js';
import type { ServiceState, ServiceStatus } from '../runtime.js';
import { type ProgramSpec, RETRYING, type Supervisor } from './supervisor.js';

export type { ServiceState, ServiceStatus };

/** One durable service run as a plain process. */
export interface NativeService {
  readonly service: DurableService;
  /** The port it is known by (status), then any others it listens on. */
  readonly ports: readonly [number, ...number[]];
  /**
   * 'missing' only for services with data that must be created first (MariaDB). `supervised`
   * is false for a process started by an earlier version of this CLI, outside the supervisor.
   */
  state(): Promise<{ state: ServiceState; pid: number | null; supervised: boolean }>;
  create(): Promise<void>;
  /** Starts the process and waits until it answers; returns its pid. */
  start(): Promise<number>;
  /** Stops the process and waits until it is gone; false if it was not running. */
  stop(): Promise<boolean>;
  health(): Promise<{ healthy: boolean; detail: string }>;
}

/** What a durable service is, for the supervisor to run it. */
export interface SupervisedDefinition {
  service: DurableService;
  ports: readonly [number, ...number[]];
  /** False until create() made its data (MariaDB's datadir): the state is then 'missing'. */
  exists?(): boolean;
  create(): Promise<void>;
  /** Runs before every start (nginx renders and checks its config). */
  prepare?(): Promise<void>;
  program: ProgramSpec;
  /** Its log, quoted when it fails to start. */
  log: string;
  /** True once it serves. */
  answers(): Promise<boolean>;
  health(): Promise<{ healthy: boolean; detail: string }>;
  /**
   * Where a process started before the supervisor (by an earlier version of this CLI) left
   * its pid, and what its command line holds: such a process is stopped and started again
   * under the supervisor by the next setup.
   */
  unsupervised?: { pidFile: string; command: string };
}

/**
 * The nice value of the durable layer's processes. Both colours and everything else on the
 * machine depend on them: under load they get the CPU first, so a restarted one answers again
 * within its 2 s (an ElasticMQ start needed 2.3–2.8 s at the default priority under the chaos
 * run's load, 1.7–1.9 s ahead of it; docs/adr/0008). Docker gives them more CPU shares.
 */
export const DURABLE_NICENESS = -10;

/**
 * How the observability services (Prometheus, Jaeger) run: behind the apps and the rest of the
 * durable layer for the CPU, so watching never slows what it watches; stopped with TERM.
 */
export const OBSERVER_PROGRAM = {
  stopSignal: 'TERM',
  stopWaitSecs: 10,
  priority: 300,
  niceness: 5,
} as const satisfies Partial<ProgramSpec>;

/** A durable service run by the environment's supervisor. */
export function supervisedService(sup: Supervisor, def: SupervisedDefinition): NativeService {
  const name = def.program.name;

  async function unsupervisedPid(supervisedPid: number | null): Promise<number | null> {
    if (!def.unsupervised) return null;
    const pid = await livePid(def.unsupervised.pidFile, def.unsupervised.command);
    return pid !== null && pid !== supervisedPid ? pid : null;
  }

  return {
    service: def.service,
    ports: def.ports,

    async state() {
      if (def.exists && !def.exists()) return { state: 'missing', pid: null, supervised: true };
      const info = (await sup.answers()) ? await sup.info(name) : null;
      if (info?.pid) return { state: 'running', pid: info.pid, supervised: true };
      const old = await unsupervisedPid(null);
      if (old !== null) return { state: 'running', pid: old, supervised: false };
      return { state: 'stopped', pid: null, supervised: true };
    },

    create: () => def.create(),

    async start() {
      await sup.ensureRunning();
      await def.prepare?.();
      await sup.define([{ niceness: DURABLE_NICENESS, ...def.program }]);
      await sup.start(name);
      return waitFor(
        `${def.service} to answer`,
        async () => {
          const info = await sup.info(name);
          if (!info || info.state === 'STOPPED' || RETRYING.includes(info.state)) {
            // It died while starting: stop the supervisor's retries and say why.
            await sup.stop(name);
            throw new OpsError(
              `${def.service} exited during start; its log says:\n${await tail(def.log)}`,
            );
          }
          return info.pid !== null && (await def.answers()) ? info.pid : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 50 },
      );
    },

    async stop() {
      const stopped = (await sup.answers()) ? await sup.stop(name) : false;
      const old = await unsupervisedPid(null);
      if (old !== null)
        await stopPid(old, `SIG${def.program.stopSignal}`, def.program.stopWaitSecs * 1000);
      return stopped || old !== null;
    },

    health: () => def.health(),
  };
}

/**
 * The parts of an emulator's definition that are the same for every one: a state folder made
 * before each start, and health as "it answers" at `url`.
 */
export function emulatorBasics(
  dir: string,
  url: string,
  answers: () => Promise<boolean>,
): Pick<SupervisedDefinition, 'create' | 'prepare' | 'health'> {
  const makeDir = async () => {
    await mkdir(dir, { recursive: true });
  };
  return {
    create: makeDir,
    prepare: makeDir,
    async health() {
      return (await answers())
        ? { healthy: true, detail: 'answering' }
        : { healthy: false, detail: `no answer from ${url}` };
    },
  };
}
