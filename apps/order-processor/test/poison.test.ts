import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { ensureQueuePair, type QueuePair } from '@echobase/infra/queue';
import { colourNames } from '@echobase/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appPool,
  createQueues,
  deleteQueues,
  depth,
  echobase,
  Fixtures,
  orderFor,
  sendBody,
  sendSignedBody,
  sqsClient,
  startInProcess,
  waitFor,
} from './support.js';

/** Messages that are not valid orders: never written, moved to the DLQ by the queue's policy. */
let pool: Pool;
let sqs: SQSClient;
let fixtures: Fixtures;

beforeAll(async () => {
  pool = await appPool();
  sqs = sqsClient();
  fixtures = new Fixtures(pool);
});

afterAll(async () => {
  await fixtures.cleanUp();
  await pool.end();
  sqs.destroy();
});

/** Valid JSON, right version, wrong content: total does not match, quantity out of range. */
async function poisonBody() {
  const order = orderFor(await fixtures.user());
  return { order, body: JSON.stringify({ ...order, quantity: 0, total: '1.00' }) };
}

/** Pages through a queue without keeping anything (visibility 0), looking for a body. */
async function findBody(url: string, body: string): Promise<Message | undefined> {
  for (let page = 0; page < 20; page += 1) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 5 }),
    );
    const found = out.Messages?.find((m) => m.Body === body);
    if (found) return found;
    if (!out.Messages?.length) return undefined;
  }
  return undefined;
}

describe('order processor: poison messages', () => {
  it('never writes one, leaves it alone, and the redrive policy moves it to the DLQ after 3 receives', async () => {
    const queues = await createQueues(sqs, 1);
    const { order, body } = await poisonBody();
    const running = await startInProcess({ sqs, queueUrl: queues.queueUrl, pool });
    try {
      await sendSignedBody(sqs, queues.queueUrl, body);
      await waitFor(
        'the message in the DLQ',
        async () => (await depth(sqs, queues.deadLetterQueueUrl)).visible === 1,
      );

      expect(await depth(sqs, queues.queueUrl)).toMatchObject({ visible: 0, inFlight: 0 });
      expect(await fixtures.orders([order.orderId])).toEqual([]);
      const warnings = running.lines.filter(
        (l) => l.msg === 'invalid order message: not written; left for the dead-letter queue',
      );
      expect(warnings.map((w) => w.receiveCount)).toEqual([1, 2, 3]);
      for (const w of warnings) {
        expect(w).toMatchObject({
          requestId: order.requestId,
          reason: 'invalid fields: quantity, total, fingerprint',
        });
      }
      expect(JSON.stringify(running.lines)).not.toContain('1.00');
    } finally {
      await running.close();
      await deleteQueues(sqs, queues);
    }
  });

  it('echobase dlq: list shows it, purge without a terminal refuses, redrive sends it back', async () => {
    // The colour's real queue names in ci; made here (and removed) unless a ci stack has them.
    const names = colourNames('ci', 'blue');
    const existed = await sqs.send(new GetQueueUrlCommand({ QueueName: names.queue })).then(
      () => true,
      () => false,
    );
    const queues: QueuePair = await ensureQueuePair(sqs, {
      name: names.queue,
      deadLetterName: names.deadLetterQueue,
      ...(existed ? {} : { visibilityTimeoutSeconds: 2 }),
    }).catch(async () => ({
      // It exists with other settings (a deployed stack): use it as it is.
      queueUrl: (await sqs.send(new GetQueueUrlCommand({ QueueName: names.queue })))
        .QueueUrl as string,
      deadLetterQueueUrl: (
        await sqs.send(new GetQueueUrlCommand({ QueueName: names.deadLetterQueue }))
      ).QueueUrl as string,
    }));
    try {
      // What the redrive policy did in the test above, put straight into this colour's DLQ.
      const { order, body } = await poisonBody();
      await sendBody(sqs, queues.deadLetterQueueUrl, body);

      const list = await echobase(['dlq', 'list', 'blue', '--env', 'ci', '--json']);
      expect(list.code, list.stderr).toBe(0);
      const listed = JSON.parse(list.stdout) as {
        queue: string;
        messages: Record<string, unknown>[];
      };
      expect(listed.queue).toBe(names.deadLetterQueue);
      const entry = listed.messages.find(
        (m) => m.reason === 'invalid fields: quantity, total, fingerprint',
      );
      expect(entry).toMatchObject({ receiveCount: expect.any(Number), sentAt: expect.any(String) });
      expect(entry?.orderId).toBeUndefined();
      // Listing leaves it there, visible.
      expect((await depth(sqs, queues.deadLetterQueueUrl)).visible).toBeGreaterThanOrEqual(1);

      const text = await echobase(['dlq', 'list', 'blue', '--env', 'ci']);
      expect(text.stdout).toContain(`not an order: invalid fields: quantity, total, fingerprint`);

      const refused = await echobase(['dlq', 'purge', 'blue', '--env', 'ci']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        `echobase: refusing to purge ${names.deadLetterQueue} without confirmation: no terminal to ask on; pass --yes\n`,
      );
      expect((await depth(sqs, queues.deadLetterQueueUrl)).visible).toBeGreaterThanOrEqual(1);

      const redrive = await echobase(['dlq', 'redrive', 'blue', '--env', 'ci']);
      expect(redrive.code, redrive.stderr).toBe(0);
      expect(redrive.stdout).toMatch(
        new RegExp(
          `^moved [1-9]\\d* message\\(s\\) from ${names.deadLetterQueue} to ${names.queue}\\n$`,
        ),
      );
      expect(await findBody(queues.deadLetterQueueUrl, body)).toBeUndefined();
      const back = await findBody(queues.queueUrl, body);
      expect(back).toBeDefined();
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queues.queueUrl, ReceiptHandle: back?.ReceiptHandle }),
      );
      expect(await fixtures.orders([order.orderId])).toEqual([]);

      // With --yes it purges, and says how many.
      await sendBody(sqs, queues.deadLetterQueueUrl, body);
      const purge = await echobase(['dlq', 'purge', 'blue', '--env', 'ci', '--yes']);
      expect(purge.code, purge.stderr).toBe(0);
      expect(purge.stdout).toMatch(
        new RegExp(`^purged ${names.deadLetterQueue} \\([1-9]\\d* message\\(s\\)\\)\\n$`),
      );
      expect(await depth(sqs, queues.deadLetterQueueUrl)).toMatchObject({
        visible: 0,
        inFlight: 0,
      });
    } finally {
      if (!existed) await deleteQueues(sqs, queues);
    }
  });

  it('echobase dlq: a colour without queues and an unknown colour get one clear line', async () => {
    const names = colourNames('ci', 'green');
    const deployed = await sqs
      .send(new GetQueueUrlCommand({ QueueName: names.deadLetterQueue }))
      .then(
        () => true,
        () => false,
      );
    if (!deployed) {
      const missing = await echobase(['dlq', 'list', 'green', '--env', 'ci']);
      expect(missing).toMatchObject({
        code: 1,
        stdout: '',
        stderr: 'echobase: no DLQ for green in ci: is the green stack deployed?\n',
      });
    }
    const unknown = await echobase(['dlq', 'redrive', 'purple', '--env', 'ci']);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: "echobase: unknown colour 'purple' (expected blue or green)\n",
    });
  });
});
