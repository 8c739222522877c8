import { mkdir } from 'node:fs/promises';
import { OpsError } from '../errors.js';
import type { EnvPaths } from '../paths.js';
import { LOOPBACK } from '../plan.js';
import { isAlive, livePid, spawnDaemon, stopPid, tail, waitFor } from '../process.js';
import type { NativeService } from './service.js';

/**
 * moto's server mode as the AWS endpoint (Secrets Manager, KMS, SQS), from the project's own
 * venv (scripts/install-deps.sh). It keeps its state in memory: after a restart the setup
 * re-seeds the secrets from the environment's credentials file.
 */
export function motoService(
  paths: EnvPaths['aws'],
  port: number,
  motoServer: string,
): NativeService {
  const url = `http://${LOOPBACK}:${port}/moto-api/`;

  async function answers(): Promise<boolean> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  return {
    service: 'aws',
    ports: [port],

    async state() {
      const pid = await livePid(paths.pid, 'moto_server');
      return { state: pid ? 'running' : 'stopped', pid };
    },

    async create() {
      await mkdir(paths.dir, { recursive: true });
    },

    async start() {
      await mkdir(paths.dir, { recursive: true });
      const pid = await spawnDaemon({
        command: motoServer,
        args: ['-H', LOOPBACK, '-p', String(port)],
        logFile: paths.log,
        pidFile: paths.pid,
      });
      await waitFor('moto to answer', async () => {
        if (!(await isAlive(pid)))
          throw new OpsError(`moto exited during start; its log says:\n${await tail(paths.log)}`);
        return answers();
      });
      return pid;
    },

    async stop() {
      const pid = await livePid(paths.pid, 'moto_server');
      if (!pid) return false;
      await stopPid(pid, 'SIGTERM', 10_000);
      return true;
    },

    async health() {
      return (await answers())
        ? { healthy: true, detail: 'answering' }
        : { healthy: false, detail: `no answer from ${url}` };
    },
  };
}
