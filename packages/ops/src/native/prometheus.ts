import { mkdir } from 'node:fs/promises';
import type { EnvPaths } from '../paths.js';
import { type EnvName, LOOPBACK } from '../plan.js';
import { writePrometheusConfig } from '../prometheus.js';
import { type NativeService, OBSERVER_PROGRAM, supervisedService } from './service.js';
import type { Supervisor } from './supervisor.js';

/**
 * Debian's Prometheus (scripts/install-deps.sh installs it and keeps its system service off),
 * run by the environment's supervisor on the plan's port with its data in the state folder,
 * scraping both colours on loopback (the config is written before every start, from the port
 * plan). Its data outlives restarts; `teardown --volumes` deletes it with the rest.
 */
export function prometheusService(
  sup: Supervisor,
  env: EnvName,
  envPaths: Pick<EnvPaths, 'root' | 'prometheus'>,
  port: number,
  prometheus: string,
): NativeService {
  const paths = envPaths.prometheus;
  const base = `http://${LOOPBACK}:${port}`;

  async function answers(): Promise<boolean> {
    try {
      const res = await fetch(`${base}/-/ready`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  const prepare = async () => {
    await mkdir(paths.data, { recursive: true });
    await writePrometheusConfig(envPaths, env, 'native');
  };

  return supervisedService(sup, {
    service: 'prometheus',
    ports: [port],
    create: prepare,
    prepare,
    program: {
      name: 'prometheus',
      command: [
        prometheus,
        `--config.file=${paths.config}`,
        `--storage.tsdb.path=${paths.data}`,
        '--storage.tsdb.retention.time=7d',
        `--web.listen-address=${LOOPBACK}:${port}`,
        // Served at its root whatever the external URL: the UI, the API and /-/ready.
        '--web.route-prefix=/',
        '--web.enable-lifecycle',
      ],
      logFile: paths.log,
      ...OBSERVER_PROGRAM,
    },
    log: paths.log,
    answers,
    async health() {
      return (await answers())
        ? { healthy: true, detail: `ready; ${base}/targets` }
        : { healthy: false, detail: `no answer from ${base}/-/ready` };
    },
  });
}
