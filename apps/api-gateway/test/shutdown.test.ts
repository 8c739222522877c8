import { connect, type Socket } from 'node:net';
import { waitFor } from '@echobase/test-kit/poll';
import { startApp } from '@echobase/test-kit/process';
import { createQueues, deleteQueues, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, describe, expect, it } from 'vitest';

const sqs = sqsClient();
afterAll(() => sqs.destroy());

/** The built gateway as its own process, not waited for: some of these must not start. */
function startGateway(port: number, queueUrl: string, extra: Record<string, string> = {}) {
  return startApp('api-gateway', {
    env: { ORDERS_QUEUE_URL: queueUrl, PORT: String(port), LOG_LEVEL: 'warn', ...extra },
  });
}

describe('the api-gateway process', () => {
  it('on SIGTERM stops accepting, finishes in-flight requests, and exits 0', async () => {
    const queues = await createQueues(sqs);
    const port = 3290;
    const gw = await startGateway(port, queues.queueUrl);
    await waitFor('the gateway to listen', () =>
      fetch(`http://127.0.0.1:${port}/health/live`).then(
        (r) => r.ok,
        () => false,
      ),
    );
    // Requests truly in flight when the signal lands: headers sent, body still coming.
    const body = JSON.stringify({ email: 'late@example.com', password: 'whatever 123' });
    const sockets = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const socket: Socket = connect(port, '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(
          `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
        );
        let reply = '';
        socket.on('data', (d) => {
          reply += d;
        });
        const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(reply)));
        return { socket, closed };
      }),
    );
    // Not observable from outside: give the server a moment to parse the headers, or the
    // connections would still count as idle and be closed (correctly) at shutdown.
    await new Promise((resolve) => setTimeout(resolve, 200));
    gw.child.kill('SIGTERM');
    await waitFor('new connections to be refused', () =>
      fetch(`http://127.0.0.1:${port}/health/live`).then(
        () => false,
        () => true,
      ),
    );
    for (const { socket } of sockets) socket.end(body.slice(10));
    const replies = await Promise.all(sockets.map((s) => s.closed));
    // Each one got its whole answer (403: no CSRF token), after the server stopped listening.
    for (const reply of replies) expect(reply).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(await gw.exited).toBe(0);
    await deleteQueues(sqs, queues);
  });

  it('refuses to start with bad settings, naming every bad key and no value', async () => {
    const gw = await startGateway(3291, 'not a url', { PORT: 'eighty', JWT_SECRET_NAME: '' });
    expect(await gw.exited).toBe(2);
    const out = gw.stderr();
    expect(out).toMatch(/^api-gateway: invalid configuration:/);
    for (const key of ['PORT', 'ORDERS_QUEUE_URL', 'JWT_SECRET_NAME']) expect(out).toContain(key);
    expect(out).not.toContain('eighty');
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('fails to start with one clear line when its secret does not exist', async () => {
    const queues = await createQueues(sqs);
    const gw = await startGateway(3292, queues.queueUrl, {
      JWT_SECRET_NAME: 'echobase/ci/missing',
    });
    expect(await gw.exited).toBe(1);
    expect(gw.stderr().trim()).toBe(
      'api-gateway: failed to start: secret echobase/ci/missing: could not be read (ResourceNotFoundException)',
    );
    await deleteQueues(sqs, queues);
  });
});
