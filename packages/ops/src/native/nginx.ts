import { execFile } from 'node:child_process';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { OpsError } from '../errors.js';
import type { EnvPaths } from '../paths.js';
import { type DurablePorts, LOOPBACK } from '../plan.js';
import { isAlive, livePid, readPid, stopPid, tail, waitFor } from '../process.js';
import { renderTemplateFile } from './nginx-config.js';
import type { NativeService } from './service.js';

const run = promisify(execFile);

/** Workers drop to this user when the master runs as root (Debian's web server user). */
const WORKER_USER = 'www-data';
const WORKER_UID = 33;
const TEMP_DIRS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

/** The template's placeholders, natively: loopback binds, files in the environment's prefix. */
export function nginxValues(ports: DurablePorts, prefix: string): Record<string, string | number> {
  return {
    NGINX_USER: `${WORKER_USER} ${WORKER_USER}`,
    NGINX_LOG_DIR: `${prefix}/logs`,
    NGINX_PID_FILE: `${prefix}/logs/nginx.pid`,
    NGINX_TEMP_DIR: `${prefix}/temp`,
    LB_BIND: LOOPBACK,
    LB_ADMIN_BIND: LOOPBACK,
    LB_PRODUCTION_PORT: ports.lbProduction,
    LB_BLUE_PORT: ports.lbBlue,
    LB_GREEN_PORT: ports.lbGreen,
    LB_ADMIN_PORT: ports.lbAdmin,
  };
}

/**
 * Debian's nginx with the Lua module, in a private prefix under the environment's state folder.
 * The config is rendered from nginx/echobase.conf.template on every start, checked with
 * `nginx -t` before it is used.
 */
export function nginxService(
  paths: EnvPaths['nginx'],
  ports: DurablePorts,
  template: string,
  nginxBin: string,
): NativeService {
  const adminUrl = `http://${LOOPBACK}:${ports.lbAdmin}/health`;
  const args = ['-p', paths.prefix, '-c', paths.conf];

  async function answers(): Promise<boolean> {
    try {
      return (await fetch(adminUrl, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  }

  return {
    service: 'nginx',
    ports: [ports.lbProduction, ports.lbBlue, ports.lbGreen, ports.lbAdmin],

    async state() {
      const pid = await livePid(paths.pid, 'nginx: master');
      return { state: pid ? 'running' : 'stopped', pid };
    },

    async create() {},

    async start() {
      await mkdir(`${paths.prefix}/conf`, { recursive: true });
      await mkdir(paths.logs, { recursive: true });
      const asRoot = process.getuid?.() === 0;
      for (const dir of TEMP_DIRS) {
        await mkdir(`${paths.temp}/${dir}`, { recursive: true });
        if (asRoot) await chown(`${paths.temp}/${dir}`, WORKER_UID, WORKER_UID);
      }
      const conf = await renderTemplateFile(template, nginxValues(ports, paths.prefix));
      // Not root: the user directive would only warn, so leave it out.
      await writeFile(paths.conf, asRoot ? conf : conf.replace(/^user .*;\n/m, ''));
      await run(nginxBin, ['-t', '-q', ...args]).catch((error: Error & { stderr?: string }) => {
        throw new OpsError(`nginx rejected its config: ${error.stderr?.trim() ?? error.message}`);
      });
      // nginx daemonizes itself: the command returns once the master has forked and written its pid.
      await run(nginxBin, args).catch((error: Error & { stderr?: string }) => {
        throw new OpsError(`nginx failed to start: ${error.stderr?.trim() ?? error.message}`);
      });
      const pid = await waitFor(
        'nginx to write its pid file',
        () => readPid(paths.pid).then((p) => p ?? undefined),
        {
          timeoutMs: 10_000,
        },
      );
      await waitFor('nginx to answer on its admin listener', async () => {
        if (!(await isAlive(pid)))
          throw new OpsError(
            `nginx exited during start; its log says:\n${await tail(`${paths.logs}/error.log`)}`,
          );
        return answers();
      });
      return pid;
    },

    async stop() {
      const pid = await livePid(paths.pid, 'nginx: master');
      if (!pid) return false;
      // SIGQUIT: graceful shutdown, in-flight requests finish.
      await stopPid(pid, 'SIGQUIT', 30_000);
      return true;
    },

    async health() {
      return (await answers())
        ? { healthy: true, detail: 'admin listener answering' }
        : { healthy: false, detail: `no answer from ${adminUrl}` };
    },
  };
}
