import type { EnvPaths } from '../paths.js';
import { LOOPBACK } from '../plan.js';
import { emulatorBasics, type NativeService, supervisedService } from './service.js';
import type { Supervisor } from './supervisor.js';

/**
 * moto's server mode as the AWS endpoint of Secrets Manager and KMS, from the project's own
 * venv (scripts/install-deps.sh). It keeps its state in memory: after a restart the setup
 * re-seeds the secrets from the environment's credentials file.
 */
export function motoService(
  sup: Supervisor,
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

  return supervisedService(sup, {
    service: 'aws',
    ports: [port],
    ...emulatorBasics(paths.dir, url, answers),
    program: {
      name: 'aws',
      command: [motoServer, '-H', LOOPBACK, '-p', String(port)],
      logFile: paths.log,
      stopSignal: 'TERM',
      stopWaitSecs: 10,
      priority: 200,
    },
    log: paths.log,
    unsupervised: { pidFile: paths.pid, command: 'moto_server' },
    answers,
  });
}
