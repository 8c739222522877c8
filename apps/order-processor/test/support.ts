import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { captureLogger, type LogLine } from '@echobase/test-kit/logs';
import { NEVER_REPUBLISH_MS } from '@echobase/test-kit/process';
import { orderSigner } from '@echobase/test-kit/queue';
import { createHealthServer } from '../src/health.js';
import { createProcessor, type Processor, type ProcessorDeps } from '../src/processor.js';

/**
 * Integration tests run the processor against the real native ci durable layer (MariaDB,
 * moto, ElasticMQ); every test makes its own queues, users and products (@echobase/test-kit) and removes
 * them afterwards.
 */
export interface InProcess {
  processor: Processor;
  lines: LogLine[];
  health: (path: string) => Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** The processor and its health server in this process, against real MariaDB and ElasticMQ. */
export async function startInProcess(
  deps: Pick<ProcessorDeps, 'sqs' | 'queueUrl' | 'pool'> & Partial<ProcessorDeps>,
): Promise<InProcess> {
  const { logger, lines } = captureLogger('order-processor-test');
  const processor = createProcessor({
    logger,
    signer: await orderSigner(),
    waitTimeSeconds: 1,
    // Only a test about re-publishing turns it on.
    republishAfterMs: NEVER_REPUBLISH_MS,
    ...deps,
  });
  const server: Server = createHealthServer({
    status: processor.status,
    checkDatabase: () => processor.checkDatabase(),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await processor.start();
  return {
    processor,
    lines,
    async health(path) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async close() {
      await processor.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
