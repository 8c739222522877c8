import { execFile } from 'node:child_process';
import type { Release } from './deploy/release.js';
import { UsageError } from './errors.js';
import type { LogRequest } from './logs.js';
import type { EnvPaths } from './paths.js';
import type { Colour, DurableService, EnvName, EnvPlan } from './plan.js';
import type { ProvisionResult } from './provision/provision.js';
import type { Reporter } from './report.js';

export const RUNTIMES = ['docker', 'native'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** True when a Docker engine answers (not merely a docker client on the PATH). */
export function dockerEngineAnswers(timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    execFile(
      'docker',
      ['info', '--format', '{{.ServerVersion}}'],
      { timeout: timeoutMs },
      (error, stdout) => resolveAnswer(!error && stdout.trim().length > 0),
    );
  });
}

/**
 * docker when an engine answers, else native; `ECHOBASE_RUNTIME` overrides either way. The
 * probe is passed in so that this choice is testable without an engine.
 */
export async function selectRuntime(
  override: string | undefined,
  probe: () => Promise<boolean> = dockerEngineAnswers,
): Promise<RuntimeName> {
  if (override !== undefined && override !== '') {
    if ((RUNTIMES as readonly string[]).includes(override)) return override as RuntimeName;
    throw new UsageError(`ECHOBASE_RUNTIME must be docker or native, not '${override}'`);
  }
  return (await probe()) ? 'docker' : 'native';
}

/** What a durable-layer operation needs to know about its environment, in either runtime. */
export interface DurableContext {
  env: EnvName;
  plan: EnvPlan;
  paths: EnvPaths;
  report: Reporter;
}

export type ServiceAction = 'created' | 'started' | 'reloaded' | 'running';

export interface SetupResult extends ProvisionResult {
  services: { service: string; action: ServiceAction; pid: number }[];
}

export interface TeardownResult {
  stopped: string[];
  deleted: boolean;
}

export type ServiceState = 'missing' | 'stopped' | 'running';

export interface ServiceStatus {
  service: DurableService;
  state: ServiceState;
  pid: number | null;
  port: number;
  healthy: boolean;
  /** Resident memory of the process (and its children, for nginx), when running. */
  rssBytes: number | null;
  detail: string;
  /**
   * Automatic restarts since a command last started it: by the supervisor natively, by the
   * restart policy in docker (the container's RestartCount).
   */
  restarts?: number;
  /** Seconds since the running process (or container) started. */
  uptimeSeconds?: number | null;
}

/** The services of a colour stack, in either runtime. */
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
  /**
   * Automatic restarts since the colour was started: by the supervisor natively, by the
   * restart policy in docker (the container's RestartCount).
   */
  restarts?: number;
  /** Seconds since the running process (or container) started. */
  uptimeSeconds?: number | null;
}

export interface StackStatus {
  env: EnvName;
  colour: Colour;
  buildId: string | null;
  healthy: boolean;
  services: StackServiceStatus[];
}

/**
 * One runtime: how the durable layer and the colour stacks run, as processes under a supervisor
 * (native/runtime.ts) or as containers (docker/runtime.ts). The commands and the deploy flow go
 * through this interface only; `runtimeOf` (runtimes.ts) picks the environment's.
 */
export interface Runtime {
  readonly name: RuntimeName;
  durable: {
    setup(ctx: DurableContext): Promise<SetupResult>;
    /** Stops the durable services; deletes their data too when `volumes`. */
    teardown(ctx: DurableContext, volumes: boolean): Promise<TeardownResult>;
    status(ctx: DurableContext): Promise<ServiceStatus[]>;
  };
  stack: {
    up(
      env: EnvName,
      colour: Colour,
      release: Release,
      report: Reporter,
      root: string,
    ): Promise<StackInfo>;
    /** The services it stopped. */
    down(env: EnvName, colour: Colour, report: Reporter, root: string): Promise<string[]>;
    status(env: EnvName, colour: Colour, root: string): Promise<StackStatus>;
    /**
     * The release a colour is up with, if it is up: starting it again means that release, so a
     * dead service comes back as the build it was, never as a new build of the checkout.
     */
    ownRelease(env: EnvName, colour: Colour, root: string): Promise<Release | null>;
  };
  /** Prints the last lines of a colour's or the durable layer's logs, then follows them if asked. */
  logs(request: LogRequest): Promise<void>;
}
