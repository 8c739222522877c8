import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { OpsError } from '../errors.js';
import type { EnvPaths } from '../paths.js';
import { LOOPBACK } from '../plan.js';
import { portInUse } from '../process.js';
import { type NativeService, supervisedService } from './service.js';
import type { Supervisor } from './supervisor.js';

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
  sup: Supervisor,
  paths: EnvPaths['mariadb'],
  port: number,
  bin: MariadbBinaries,
): NativeService {
  return supervisedService(sup, {
    service: 'mariadb',
    ports: [port],
    exists: () => existsSync(`${paths.data}/mysql`),

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

    // In the foreground under the supervisor; with no --log-error it logs to stderr, which the
    // supervisor appends to the same log file as before.
    program: {
      name: 'mariadb',
      command: [
        bin.mariadbd,
        '--no-defaults',
        `--datadir=${paths.data}`,
        `--port=${port}`,
        `--bind-address=${LOOPBACK}`,
        `--socket=${paths.socket}`,
        `--pid-file=${paths.pid}`,
        '--user=root',
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=128M',
        '--max-connections=300',
      ],
      logFile: paths.log,
      stopSignal: 'TERM',
      // A clean InnoDB shutdown can take a while; SIGKILL only after two minutes.
      stopWaitSecs: 120,
      priority: 100,
    },
    log: paths.log,
    unsupervised: { pidFile: paths.pid, command: 'mariadbd' },
    answers: () => portInUse(port),
    health,
  });

  async function health() {
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
  }
}
