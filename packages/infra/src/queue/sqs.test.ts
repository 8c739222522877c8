import { createServer, type Server, type Socket } from 'node:net';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqsClient, deadLetterQueueUrl } from './sqs.js';

/** An endpoint that accepts connections and never answers: an AWS endpoint that is stuck. */
async function hungEndpoint(): Promise<{ url: string; server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server, sockets };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('SQS client', () => {
  it('gives up on an endpoint that never answers instead of waiting forever', async () => {
    const hung = await hungEndpoint();
    const sqs = createSqsClient({
      region: 'us-east-1',
      endpoint: hung.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestTimeoutMs: 200,
    });
    cleanup = async () => {
      sqs.destroy();
      for (const s of hung.sockets) s.destroy();
      await new Promise((resolve) => hung.server.close(resolve));
    };
    const started = Date.now();
    const error = await sqs
      .send(new GetQueueUrlCommand({ QueueName: 'orders' }))
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TimeoutError');
    // Three attempts of 200 ms and the SDK's short backoff between them.
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('deadLetterQueueUrl', () => {
  it('names the DLQ beside its queue, at the same endpoint and account', () => {
    expect(deadLetterQueueUrl('http://sqs:9324/123456789012/echobase-ci-blue-orders')).toBe(
      'http://sqs:9324/123456789012/echobase-ci-blue-orders-dlq',
    );
  });
});
