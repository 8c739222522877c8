import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findCommand } from '../deps.js';
import { messageOf, OpsError } from '../errors.js';
import { envPaths } from '../paths.js';
import type { EnvName } from '../plan.js';
import { isAlive, readPid, waitFor } from '../process.js';
import { callUnix, RpcFault, type RpcValue } from './xmlrpc.js';

const run = promisify(execFile);

/**
 * Every native process of an environment runs under one private supervisord (Debian's
 * `supervisor` package; docs/adr/0008-a-supervisor-for-native-processes.md): its socket,
 * config, logs and pid under .echobase/<env>/supervisor/. Programs are defined one file each in
 * programs/, never started automatically by supervisord itself (the CLI starts them, in order,
 * and waits until each answers), and restarted by it whenever they exit.
 */
export function supervisorPaths(env: EnvName, root?: string) {
  const dir = join(envPaths(env, root).state, 'supervisor');
  return {
    dir,
    conf: join(dir, 'supervisord.conf'),
    socket: join(dir, 'supervisor.sock'),
    pid: join(dir, 'supervisord.pid'),
    log: join(dir, 'supervisord.log'),
    programs: join(dir, 'programs'),
    /** Written by the event listener: automatic restarts per program. */
    restarts: join(dir, 'restarts.json'),
    /** The event listener's own record: every unexpected exit and every retry after FATAL. */
    events: join(dir, 'events.log'),
  };
}
export type SupervisorPaths = ReturnType<typeof supervisorPaths>;

/**
 * How supervisord treats a crash. A process that exits within START_SECS of its start is a
 * failed start: supervisord waits 1 s, 2 s, 3 s … between tries and after START_RETRIES of them
 * gives up (FATAL); the event listener then tries again after a cool-down, so nothing stays
 * dead for good. A process that ran longer is restarted at once.
 */
export const START_SECS = 5;
export const START_RETRIES = 5;

export interface ProgramSpec {
  /** `mariadb`, `aws`, `nginx`, or `<colour>-<service>`. */
  name: string;
  /** argv: the program runs in the foreground, as supervisord's child. */
  command: string[];
  directory?: string;
  environment?: Readonly<Record<string, string>>;
  /** stdout and stderr, appended. */
  logFile: string;
  stopSignal: 'TERM' | 'QUIT' | 'INT';
  /** Time to exit after stopSignal before SIGKILL. */
  stopWaitSecs: number;
  /** Lower starts first and stops last when supervisord itself shuts down. */
  priority: number;
  /**
   * The CPU scheduling priority (nice value) it runs at, through nice(1). A negative one (ahead
   * of other processes) needs root: for any other user the program runs at the default.
   */
  niceness?: number;
}

/** Whether this process may give a program a negative nice value: only root may. */
const mayRaisePriority = () => process.getuid?.() === 0;

const SAFE_ARG = /^[\w@+=:,./-]+$/;

/** One argv entry as supervisord's shlex.split reads it back. */
function quoteArg(arg: string): string {
  if (SAFE_ARG.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/** supervisord expands `%(name)s` in most values: a literal % is written %%. */
const literal = (value: string) => value.replaceAll('%', '%%');

function checkValue(what: string, value: string): string {
  if (/[\n\r\0]/.test(value)) throw new OpsError(`supervisor config: ${what} holds a line break`);
  return value;
}

export function renderCommand(argv: readonly string[]): string {
  return argv.map((a) => literal(quoteArg(checkValue('a command argument', a)))).join(' ');
}

/**
 * `KEY="value",…`: supervisord reads this with a non-POSIX shlex, which keeps quotes but knows
 * no escapes, so a value may not hold a double quote.
 */
export function renderEnvironment(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([key, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
        throw new OpsError(`supervisor config: bad environment variable name '${key}'`);
      if (value.includes('"'))
        throw new OpsError(`supervisor config: the value of ${key} holds a double quote`);
      return `${key}="${literal(checkValue(key, value))}"`;
    })
    .join(',');
}

export function renderProgram(spec: ProgramSpec, raisePriority = mayRaisePriority()): string {
  if (!/^[a-z][a-z0-9-]*$/.test(spec.name))
    throw new OpsError(`supervisor config: bad program name '${spec.name}'`);
  const nice =
    spec.niceness !== undefined && (spec.niceness >= 0 || raisePriority)
      ? ['nice', '-n', String(spec.niceness)]
      : [];
  const lines = [
    `; Written by echobase for this environment; changed by the CLI, not by hand.`,
    `[program:${spec.name}]`,
    `command=${renderCommand([...nice, ...spec.command])}`,
    ...(spec.directory ? [`directory=${literal(checkValue('directory', spec.directory))}`] : []),
    ...(spec.environment && Object.keys(spec.environment).length > 0
      ? [`environment=${renderEnvironment(spec.environment)}`]
      : []),
    // The CLI starts programs in order and waits for each; supervisord only restarts them.
    'autostart=false',
    'autorestart=true',
    `startsecs=${START_SECS}`,
    `startretries=${START_RETRIES}`,
    `stopsignal=${spec.stopSignal}`,
    `stopwaitsecs=${spec.stopWaitSecs}`,
    // A stop reaches the program's children too (nginx workers, a shell's child).
    'stopasgroup=true',
    'killasgroup=true',
    `priority=${spec.priority}`,
    'redirect_stderr=true',
    `stdout_logfile=${literal(checkValue('logFile', spec.logFile))}`,
    'stdout_logfile_maxbytes=20MB',
    'stdout_logfile_backups=2',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The event listener, as built: dist/native/supervisor-listener.js of this package (also when
 * this module runs from src/, as in tests: supervisord runs plain node).
 */
export function listenerScript(): string {
  return fileURLToPath(new URL('../../dist/native/supervisor-listener.js', import.meta.url));
}

const LISTENER = 'echobase-events';

/** The CLI, as built: what the listener runs after moto restarted. */
export function cliScript(): string {
  return fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
}

export function renderSupervisordConf(
  env: EnvName,
  paths: SupervisorPaths,
  listener: { node: string; script: string; cli: string },
): string {
  const l = (v: string) => literal(checkValue('path', v));
  return `; The private supervisord of the ${env} environment, written by \`echobase durable setup\`.
; Inspect it with: supervisorctl -c ${l(paths.conf)} status
[unix_http_server]
file=${l(paths.socket)}
chmod=0700

[supervisord]
identifier=echobase-${env}
logfile=${l(paths.log)}
logfile_maxbytes=10MB
logfile_backups=2
pidfile=${l(paths.pid)}
childlogdir=${l(paths.dir)}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${l(paths.socket)}

; Counts restarts, retries programs that supervisord gave up on (FATAL) after a cool-down,
; re-seeds moto's secrets when it comes back (it keeps them in memory), and writes a byte to
; stderr every 100 ms: supervisord's loop waits up to 1 s in poll() between reaping a child and
; respawning it, and any output wakes it (restart 0.2-0.35 s instead of 1.2-2.2 s, measured;
; docs/adr/0008-a-supervisor-for-native-processes.md).
[eventlistener:${LISTENER}]
command=${renderCommand([listener.node, listener.script, paths.restarts, paths.events, 'aws', listener.node, listener.cli, 'durable', 'setup', env])}
events=PROCESS_STATE
autostart=true
autorestart=true
startsecs=1
priority=1
buffer_size=100
stdout_logfile=NONE
stderr_logfile=NONE

[include]
files=${l(paths.programs)}/*.conf
`;
}

export type ProcessStateName =
  | 'STOPPED'
  | 'STARTING'
  | 'RUNNING'
  | 'BACKOFF'
  | 'STOPPING'
  | 'EXITED'
  | 'FATAL'
  | 'UNKNOWN';

export interface ProcessInfo {
  name: string;
  state: ProcessStateName;
  /** Null unless a process exists (STARTING, RUNNING, STOPPING). */
  pid: number | null;
  /** Seconds since this process was started, while it runs. */
  uptimeSeconds: number | null;
  /** Why it could not be started (spawn error), or ''. */
  spawnerr: string;
  exitstatus: number;
}

export function toProcessInfo(raw: RpcValue): ProcessInfo {
  const r = raw as Record<string, RpcValue>;
  const state = String(r.statename) as ProcessStateName;
  const pid = Number(r.pid) > 0 ? Number(r.pid) : null;
  const live = state === 'RUNNING' || state === 'STARTING' || state === 'STOPPING';
  return {
    name: String(r.name),
    state,
    pid: live ? pid : null,
    uptimeSeconds:
      live && Number(r.start) > 0 ? Math.max(0, Number(r.now) - Number(r.start)) : null,
    spawnerr: String(r.spawnerr ?? ''),
    exitstatus: Number(r.exitstatus ?? 0),
  };
}

export interface RestartRecord {
  /** Automatic restarts since the program was last started by a command. */
  restarts: number;
  lastRestartAt: string | null;
}

/** Programs that are not running, but that supervisord is trying to start again. */
export const RETRYING: readonly ProcessStateName[] = ['BACKOFF', 'EXITED', 'FATAL'];

/** A client of one environment's supervisord. */
export class Supervisor {
  readonly paths: SupervisorPaths;

  constructor(
    readonly env: EnvName,
    root?: string,
  ) {
    this.paths = supervisorPaths(env, root);
  }

  call(method: string, params: (string | number | boolean)[] = [], timeoutMs?: number) {
    return callUnix(this.paths.socket, `supervisor.${method}`, params, timeoutMs);
  }

  /** True if this environment's supervisord answers on its socket. */
  async answers(): Promise<boolean> {
    if (!existsSync(this.paths.socket)) return false;
    try {
      const state = (await this.call('getState', [], 3000)) as { statename?: string };
      return state.statename === 'RUNNING';
    } catch {
      return false;
    }
  }

  /**
   * Starts supervisord unless it runs; 'running' if it already did. A running one whose event
   * listener changed (another node, a moved checkout) or died is given the listener again.
   */
  async ensureRunning(): Promise<'started' | 'running'> {
    const conf = renderSupervisordConf(this.env, this.paths, {
      node: process.execPath,
      script: listenerScript(),
      cli: cliScript(),
    });
    if (await this.answers()) {
      if ((await readFile(this.paths.conf, 'utf8').catch(() => '')) !== conf) {
        await writeFile(this.paths.conf, conf, { mode: 0o600 });
        await this.define([]);
      }
      const listener = await this.info(LISTENER);
      if (listener && listener.pid === null) await this.start(LISTENER);
      return 'running';
    }
    const supervisord = await findCommand('supervisord');
    if (!supervisord)
      throw new OpsError(
        'missing dependencies: supervisord (Debian package supervisor); install them with sudo ./scripts/install-deps.sh',
      );
    await mkdir(this.paths.programs, { recursive: true, mode: 0o700 });
    await writeFile(this.paths.conf, conf, { mode: 0o600 });
    // A supervisord killed without a shutdown leaves its socket file; a live one is refused.
    const stale = await readPid(this.paths.pid);
    if (stale === null || !(await isAlive(stale, 'supervisord')))
      await rm(this.paths.socket, { force: true });
    // supervisord binds its socket, then forks into the background and the command returns.
    // Its own environment is kept small: programs get theirs from their definitions.
    await run(supervisord, ['-c', this.paths.conf], {
      cwd: this.paths.dir,
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        LANG: 'C.UTF-8',
      },
    }).catch((error: Error & { stderr?: string }) => {
      throw new OpsError(
        `supervisord of ${this.env} failed to start: ${error.stderr?.trim() || error.message}`,
      );
    });
    await waitFor(`supervisord of ${this.env} to answer`, () => this.answers(), {
      timeoutMs: 15_000,
    });
    return 'started';
  }

  /** Fails with the setup command when this environment's supervisord is not running. */
  async require(): Promise<void> {
    if (!(await this.answers()))
      throw new OpsError(
        `the supervisor of ${this.env} is not running (the durable layer is down): ./durable/setup.sh ${this.env}`,
      );
  }

  async infos(): Promise<Map<string, ProcessInfo>> {
    if (!(await this.answers())) return new Map();
    const all = (await this.call('getAllProcessInfo')) as RpcValue[];
    return new Map(all.map((raw) => toProcessInfo(raw)).map((p) => [p.name, p]));
  }

  async info(name: string): Promise<ProcessInfo | null> {
    try {
      return toProcessInfo(await this.call('getProcessInfo', [name]));
    } catch (error) {
      if (error instanceof RpcFault && error.is('BAD_NAME')) return null;
      throw error;
    }
  }

  /** Names of the programs defined (one file each in programs/). */
  async defined(): Promise<string[]> {
    return [...(await this.infos()).keys()];
  }

  /**
   * Writes the programs' definitions and makes supervisord take them: new ones are added,
   * changed ones replaced (the caller stops a changed program first), others left alone.
   */
  async define(specs: readonly ProgramSpec[]): Promise<void> {
    await mkdir(this.paths.programs, { recursive: true, mode: 0o700 });
    for (const spec of specs) {
      // supervisord refuses a whole config whose log folder is missing.
      await mkdir(dirname(spec.logFile), { recursive: true });
      const file = join(this.paths.programs, `${spec.name}.conf`);
      const text = renderProgram(spec);
      const current = await readFile(file, 'utf8').catch(() => null);
      if (current === text) continue;
      await writeFile(`${file}.tmp`, text, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
    }
    const [[added = [], changed = []] = []] = (await this.call('reloadConfig')) as string[][][];
    // The listener is this module's own: taken whenever its definition changed.
    for (const name of [...specs.map((s) => s.name), LISTENER]) {
      if (changed.includes(name)) {
        await this.stop(name);
        await this.call('removeProcessGroup', [name]);
        await this.addGroup(name);
      } else if (added.includes(name)) {
        await this.addGroup(name);
      }
    }
  }

  private async addGroup(name: string): Promise<void> {
    try {
      await this.call('addProcessGroup', [name]);
    } catch (error) {
      // Another command added it between our reloadConfig and this call.
      if (!(error instanceof RpcFault && error.is('ALREADY_ADDED'))) throw error;
    }
  }

  /** Stops the programs and forgets them (their definition files are deleted). */
  async remove(names: readonly string[]): Promise<void> {
    for (const name of names) await rm(join(this.paths.programs, `${name}.conf`), { force: true });
    if (!(await this.answers())) return;
    await this.call('reloadConfig');
    for (const name of names) {
      await this.stop(name);
      try {
        await this.call('removeProcessGroup', [name]);
      } catch (error) {
        if (!(error instanceof RpcFault && error.is('BAD_NAME'))) throw error;
      }
    }
  }

  /** Asks supervisord to start the program; returns at once (the caller waits for readiness). */
  async start(name: string): Promise<void> {
    try {
      await this.call('startProcess', [name, false]);
    } catch (error) {
      if (error instanceof RpcFault && error.is('ALREADY_STARTED')) return;
      throw new OpsError(
        `the supervisor of ${this.env} could not start ${name}: ${messageOf(error)}`,
      );
    }
  }

  /** Sends a signal (a name such as 'HUP') to the program's process. */
  async signal(name: string, signal: string): Promise<void> {
    try {
      await this.call('signalProcess', [name, signal]);
    } catch (error) {
      throw new OpsError(
        `the supervisor of ${this.env} could not send SIG${signal} to ${name}: ${messageOf(error)}`,
      );
    }
  }

  /**
   * Stops the program and waits until it is gone (supervisord sends its stop signal, then
   * SIGKILL after its stopwaitsecs); false if it was not running.
   */
  async stop(name: string, timeoutMs = 180_000): Promise<boolean> {
    try {
      await this.call('stopProcess', [name, true], timeoutMs);
      return true;
    } catch (error) {
      if (error instanceof RpcFault && (error.is('NOT_RUNNING') || error.is('BAD_NAME')))
        return false;
      throw error;
    }
  }

  async restarts(): Promise<Record<string, RestartRecord>> {
    try {
      return JSON.parse(await readFile(this.paths.restarts, 'utf8')) as Record<
        string,
        RestartRecord
      >;
    } catch {
      return {};
    }
  }

  /**
   * Shuts supervisord down; it stops whatever still runs, highest priority first. The callers
   * stop the programs themselves first, in order; this is the last step of a teardown.
   */
  async shutdown(): Promise<boolean> {
    const pid = await readPid(this.paths.pid);
    if (!(await this.answers())) return false;
    await this.call('shutdown');
    if (pid !== null)
      await waitFor(`supervisord of ${this.env} to exit`, async () => !(await isAlive(pid)), {
        timeoutMs: 200_000,
      });
    return true;
  }
}
