import { existsSync } from 'node:fs';
import type { EnvPaths, toolPaths } from '../paths.js';
import { LOOPBACK } from '../plan.js';
import { emulatorBasics, type NativeService, supervisedService } from './service.js';
import type { Supervisor } from './supervisor.js';

/**
 * ElasticMQ as the SQS endpoint (docs/adr/0003), run by the system's Java from the jars
 * scripts/install-deps.sh resolved with Maven, with durable/elasticmq.conf. Queues live in
 * memory: after a restart each colour's processor recreates its queue pair.
 */
export function elasticmqService(
  sup: Supervisor,
  paths: EnvPaths['sqs'],
  port: number,
  tools: ReturnType<typeof toolPaths>['elasticmq'],
  java: string,
): NativeService {
  const url = `http://${LOOPBACK}:${port}/`;

  // Any HTTP answer means the server is up: its root answers an SQS error document.
  async function answers(): Promise<boolean> {
    try {
      const res = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.status < 500;
    } catch {
      return false;
    }
  }

  return supervisedService(sup, {
    service: 'sqs',
    ports: [port],
    ...emulatorBasics(paths.dir, url, answers),
    program: {
      name: 'sqs',
      command: [
        java,
        // The classes of one recorded start (install-deps.sh): about half the start-up time.
        ...(existsSync(tools.archive) ? [`-XX:SharedArchiveFile=${tools.archive}`] : []),
        '-Xshare:auto',
        '-Xmx256m',
        // On two cores the C1 compiler alone starts in 1.7 s instead of 2.3 s and reaches full
        // speed within seconds, where C2's compile threads compete with the load for minutes.
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        `-Dconfig.file=${tools.conf}`,
        '-cp',
        `${tools.lib}/*`,
        'org.elasticmq.server.Main',
      ],
      environment: { SQS_HOST: LOOPBACK, SQS_BIND: LOOPBACK, SQS_PORT: String(port) },
      logFile: paths.log,
      stopSignal: 'TERM',
      stopWaitSecs: 10,
      priority: 200,
    },
    log: paths.log,
    answers,
  });
}
