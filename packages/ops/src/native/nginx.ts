import { execFile } from 'node:child_process';
import { chown, copyFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findCommand } from '../deps.js';
import { OpsError } from '../errors.js';
import { type EnvPaths, envPaths, toolPaths } from '../paths.js';
import {
  COLOURS,
  type DurablePorts,
  type EnvName,
  type EnvPlan,
  LB_UPSTREAM_ADDRESS,
  LOOPBACK,
  PORT_PLAN,
} from '../plan.js';
import { waitFor } from '../process.js';
import { renderTemplateFile } from './nginx-config.js';
import { type NativeService, supervisedService } from './service.js';
import { Supervisor } from './supervisor.js';

const run = promisify(execFile);

/** Workers drop to this user when the master runs as root (Debian's web server user). */
const WORKER_USER = 'www-data';
const WORKER_UID = 33;
const TEMP_DIRS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

/** Files of the switch in an nginx prefix: its Lua, and the state it persists. */
export function nginxSwitchPaths(prefix: string) {
  return {
    /** nginx/lua/*.lua, copied here on every start: the running nginx never reads the checkout. */
    lua: join(prefix, 'lua'),
    /** Writable by the workers (www-data when the master is root). */
    state: join(prefix, 'state'),
    /** The active colour, written by the admin API's POST /switch (temp file + rename). */
    activeColour: join(prefix, 'state', 'active-colour'),
    /** The admin API's token, mode 0600: only the master (the operator's user) reads it. */
    adminToken: join(prefix, 'conf', 'admin-token'),
  };
}

/**
 * Writes the admin token where the master reads it at start and on reload (temp file, then
 * rename); false when the file already held it. A running nginx keeps the token it read until
 * it is reloaded.
 */
export async function writeNginxAdminToken(prefix: string, token: string): Promise<boolean> {
  const file = nginxSwitchPaths(prefix).adminToken;
  const content = `${token}\n`;
  if ((await readFile(file, 'utf8').catch(() => null)) === content) return false;
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, content, { mode: 0o600 });
  await rename(temp, file);
  return true;
}

/**
 * Makes a running nginx read a changed admin token: SIGHUP, a graceful reload (new workers, the
 * old ones finish their requests; the active colour and the counters live in shared memory and
 * survive it). Returns when the admin API accepts the new token.
 */
export async function reloadNginxAdminToken(
  sup: Supervisor,
  ports: DurablePorts,
  token: string,
): Promise<void> {
  await sup.signal('nginx', 'HUP');
  await waitFor(
    'nginx to accept the new admin token after its reload',
    () => adminTokenAccepted(ports, token),
    { timeoutMs: 15_000 },
  );
}

/** True if the running nginx's admin API accepts this token (a new connection each time). */
export async function adminTokenAccepted(ports: DurablePorts, token: string): Promise<boolean> {
  const res = await fetch(`http://${LOOPBACK}:${ports.lbAdmin}/state`, {
    headers: { authorization: `Bearer ${token}`, connection: 'close' },
    signal: AbortSignal.timeout(2000),
  }).catch(() => null);
  await res?.body?.cancel();
  return res?.ok === true;
}

/** The colour ports of the environment whose load balancer has these durable ports. */
function coloursOf(ports: DurablePorts): EnvPlan['colours'] {
  const plan = Object.values(PORT_PLAN).find((p) => p.durable.lbAdmin === ports.lbAdmin);
  if (!plan)
    throw new OpsError(`no environment of the port plan has its LB admin on ${ports.lbAdmin}`);
  return plan.colours;
}

/**
 * The template's placeholders, natively: loopback binds, files in the environment's prefix,
 * and each colour's API and frontend on 127.0.0.1 at the plan's ports.
 */
export function nginxValues(
  ports: DurablePorts,
  prefix: string,
  colours: EnvPlan['colours'] = coloursOf(ports),
): Record<string, string | number> {
  const switchPaths = nginxSwitchPaths(prefix);
  const values: Record<string, string | number> = {
    NGINX_USER: `${WORKER_USER} ${WORKER_USER}`,
    NGINX_LOG_DIR: `${prefix}/logs`,
    NGINX_PID_FILE: `${prefix}/logs/nginx.pid`,
    NGINX_TEMP_DIR: `${prefix}/temp`,
    NGINX_STATE_DIR: switchPaths.state,
    NGINX_LUA_DIR: switchPaths.lua,
    NGINX_ADMIN_TOKEN_FILE: switchPaths.adminToken,
    LB_UPSTREAM_BIND: LB_UPSTREAM_ADDRESS,
    LB_BIND: LOOPBACK,
    LB_ADMIN_BIND: LOOPBACK,
    LB_PRODUCTION_PORT: ports.lbProduction,
    LB_BLUE_PORT: ports.lbBlue,
    LB_GREEN_PORT: ports.lbGreen,
    LB_ADMIN_PORT: ports.lbAdmin,
  };
  for (const colour of COLOURS) {
    const name = colour.toUpperCase();
    values[`${name}_API_HOST`] = LOOPBACK;
    values[`${name}_API_PORT`] = colours[colour].api;
    values[`${name}_FRONTEND_HOST`] = LOOPBACK;
    values[`${name}_FRONTEND_PORT`] = colours[colour].frontend;
  }
  return values;
}

/** The directories nginx writes to, owned by its workers' user when the master runs as root. */
async function workerDir(dir: string, asRoot: boolean): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (asRoot) await chown(dir, WORKER_UID, WORKER_UID);
}

/** nginx/lua/*.lua (beside the template) into the prefix. */
async function copyLua(template: string, to: string): Promise<void> {
  const from = join(dirname(template), 'lua');
  await mkdir(to, { recursive: true });
  for (const file of await readdir(from)) {
    if (file.endsWith('.lua')) await copyFile(join(from, file), join(to, file));
  }
}

/**
 * Runs nginx in the foreground (`daemon off`) under the supervisor. A master killed with
 * SIGKILL leaves its workers running, still holding the listen sockets, so a new master could
 * not bind: the script first ends the workers left in this prefix, then execs nginx.
 */
export const NGINX_FOREGROUND = fileURLToPath(
  new URL('../../native/nginx-foreground.sh', import.meta.url),
);

/**
 * Debian's nginx with the Lua module, in a private prefix under the environment's state folder.
 * The config is rendered from nginx/echobase.conf.template on every start, checked with
 * `nginx -t` before it is used. The active colour persists in the prefix's state/ folder.
 */
export function nginxService(
  sup: Supervisor,
  paths: EnvPaths['nginx'],
  ports: DurablePorts,
  template: string,
  nginxBin: string,
  colours: EnvPlan['colours'] = coloursOf(ports),
): NativeService {
  const adminUrl = `http://${LOOPBACK}:${ports.lbAdmin}/health`;
  const args = ['-p', paths.prefix, '-c', paths.conf];
  const switchPaths = nginxSwitchPaths(paths.prefix);

  async function answers(): Promise<boolean> {
    try {
      return (await fetch(adminUrl, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  }

  return supervisedService(sup, {
    service: 'nginx',
    ports: [ports.lbProduction, ports.lbBlue, ports.lbGreen, ports.lbAdmin],
    async create() {},

    async prepare() {
      await mkdir(`${paths.prefix}/conf`, { recursive: true });
      await mkdir(paths.logs, { recursive: true });
      const asRoot = process.getuid?.() === 0;
      for (const dir of TEMP_DIRS) await workerDir(`${paths.temp}/${dir}`, asRoot);
      await workerDir(switchPaths.state, asRoot);
      await copyLua(template, switchPaths.lua);
      const conf = await renderTemplateFile(template, nginxValues(ports, paths.prefix, colours));
      // Not root: the user directive would only warn, so leave it out.
      await writeFile(paths.conf, asRoot ? conf : conf.replace(/^user .*;\n/m, ''));
      await run(nginxBin, ['-t', '-q', ...args]).catch((error: Error & { stderr?: string }) => {
        throw new OpsError(`nginx rejected its config: ${error.stderr?.trim() ?? error.message}`);
      });
    },

    program: {
      name: 'nginx',
      command: [NGINX_FOREGROUND, paths.prefix, nginxBin, ...args, '-g', 'daemon off;'],
      // The workers inherit this folder: that is how the script finds a dead master's workers.
      directory: paths.prefix,
      logFile: `${paths.logs}/stderr.log`,
      // Graceful: in-flight requests finish.
      stopSignal: 'QUIT',
      stopWaitSecs: 30,
      priority: 300,
    },
    log: `${paths.logs}/error.log`,
    unsupervised: { pidFile: paths.pid, command: 'nginx: master' },
    answers,

    // The admin API's open /health (status and the active colour): /state needs the token.
    async health() {
      let res: Response;
      try {
        res = await fetch(adminUrl, { signal: AbortSignal.timeout(2000) });
      } catch {
        return { healthy: false, detail: `no answer from ${adminUrl}` };
      }
      if (!res.ok) return { healthy: false, detail: `${adminUrl} answered ${res.status}` };
      const { active } = (await res.json().catch(() => ({}))) as { active?: string | null };
      return {
        healthy: true,
        detail: `admin answering; production routes to ${active ?? 'no colour'}`,
      };
    },
  });
}

/** The native nginx of an environment, as the durable layer runs it. */
export async function nativeNginx(env: EnvName, root?: string): Promise<NativeService> {
  const paths = envPaths(env, root);
  const plan = PORT_PLAN[env];
  return nginxService(
    new Supervisor(env, root),
    paths.nginx,
    plan.durable,
    toolPaths(paths.root).nginxTemplate,
    (await findCommand('nginx')) ?? 'nginx',
    plan.colours,
  );
}

/**
 * Stops nginx (gracefully: in-flight requests finish) and starts it again with a freshly
 * rendered config; returns the new master's pid. Only for a changed config: it closes idle
 * keep-alive connections, which is why switching colour never restarts or reloads nginx.
 */
export async function restartNginx(env: EnvName, root?: string): Promise<number> {
  const nginx = await nativeNginx(env, root);
  await nginx.stop();
  return nginx.start();
}
