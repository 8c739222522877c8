import { writeFile } from 'node:fs/promises';
import { ensureQueuePair } from '@echobase/infra/queue';
import { appEnvironment } from './app-env.js';
import { setupDurable } from './durable.js';
import { envPaths } from './paths.js';
import { DEV_PORTS, DEV_QUEUE } from './plan.js';
import { emulatorSqs } from './provision/aws.js';
import type { Reporter } from './report.js';

/**
 * Gets everything `npm run dev` needs: the devlocal durable layer (set up if it is not
 * running), a dev queue with its DLQ, and an env file the apps' watch scripts load.
 */
export async function prepareDev(report: Reporter): Promise<string> {
  await setupDurable({ env: 'devlocal', report });
  const base = appEnvironment('devlocal');
  const sqs = emulatorSqs('devlocal');
  const queues = await report
    .step(
      'queue',
      () => ensureQueuePair(sqs, { name: DEV_QUEUE, deadLetterName: `${DEV_QUEUE}-dlq` }),
      () => `${DEV_QUEUE} and its DLQ ready`,
    )
    .finally(() => sqs.destroy());
  const env: Record<string, string> = {
    ...base,
    ORDERS_QUEUE_URL: queues.queueUrl,
    PORT: String(DEV_PORTS.api),
    HEALTH_PORT: String(DEV_PORTS.processorHealth),
    BUILD_ID: 'dev',
    LOG_LEVEL: 'debug',
  };
  const file = `${envPaths('devlocal').state}/dev.env`;
  await writeFile(
    file,
    `${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
  );
  report.line(`dev settings written to ${file}`);
  report.line(
    `API http://127.0.0.1:${DEV_PORTS.api} · processor health http://127.0.0.1:${DEV_PORTS.processorHealth}/health/ready`,
  );
  return file;
}
