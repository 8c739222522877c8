import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { OpsError } from '../errors.js';
import type { EnvPaths } from '../paths.js';
import { LOOPBACK } from '../plan.js';
import { isAlive, livePid, portInUse, spawnDaemon, stopPid, tail, waitFor } from '../process.js';
import type { NativeService } from './service.js';

const run = promisify(execFile);

/**
 * A private MariaDB instance: its own datadir, socket and port, no system config files read
 * (`--no-defaults` must come first), utf8mb4 set explicitly since Debian's config is not read.
 */
export interface MariadbBinaries {
  mariadbd: string;
  installDb: string;
}

export function mariadbService(
  paths: EnvPaths['mariadb'],
  port: number,
  bin: MariadbBinaries,
): NativeService {
  return {
    service: 'mariadb',
    ports: [port],

    async state() {
      if (!existsSync(`${paths.data}/mysql`)) return { state: 'missing', pid: null };
      const pid = await livePid(paths.pid, 'mariadbd');
      return { state: pid ? 'running' : 'stopped', pid };
    },

    async create() {
      await mkdir(paths.data, { recursive: true });
      await run(
        bin.installDb,
        [
          '--no-defaults',
          `--datadir=${paths.data}`,
          '--user=root',
          '--auth-root-authentication-method=normal',
          '--skip-test-db',
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      ).catch((error: Error & { stderr?: string }) => {
        throw new OpsError(
          `mariadb-install-db failed: ${error.stderr?.trim().split('\n').at(-1) ?? error.message}`,
        );
      });
    },

    async start() {
      const pid = await spawnDaemon({
        command: bin.mariadbd,
        args: [
          '--no-defaults',
          `--datadir=${paths.data}`,
          `--port=${port}`,
          `--bind-address=${LOOPBACK}`,
          `--socket=${paths.socket}`,
          `--pid-file=${paths.pid}`,
          `--log-error=${paths.log}`,
          '--user=root',
          '--character-set-server=utf8mb4',
          '--collation-server=utf8mb4_unicode_ci',
          '--skip-name-resolve',
          '--innodb-buffer-pool-size=128M',
          '--max-connections=300',
        ],
        logFile: paths.log,
      });
      // Ready when it accepts connections on its port; a process that died says why in its log.
      await waitFor('MariaDB to accept connections', async () => {
        if (!(await isAlive(pid, 'mariadbd'))) {
          throw new OpsError(
            `MariaDB exited during start; its log says:\n${await tail(paths.log)}`,
          );
        }
        return portInUse(port);
      });
      return pid;
    },

    async stop() {
      const pid = await livePid(paths.pid, 'mariadbd');
      if (!pid) return false;
      await stopPid(pid, 'SIGTERM', 120_000);
      return true;
    },

    async health() {
      // Any answer at all proves the server works: an access-denied reply comes from a live server.
      try {
        const conn = await createConnection({
          socketPath: paths.socket,
          user: 'healthcheck',
          connectTimeout: 2000,
        });
        await conn.end();
        return { healthy: true, detail: 'accepting connections' };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR') {
          return { healthy: true, detail: 'accepting connections' };
        }
        return { healthy: false, detail: `not answering (${code ?? (error as Error).message})` };
      }
    },
  };
}
