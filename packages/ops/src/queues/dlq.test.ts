import { PassThrough } from 'node:stream';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { orderFor, SEEDED } from '@echobase/test-kit/orders';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDlqCommands } from '../cli/dlq.js';
import { OpsError } from '../errors.js';
import { type DlqDeps, describeMessage } from './dlq.js';

/**
 * The dlq commands' arguments, errors and output, with a stand-in SQS client. The real thing,
 * against moto, is test/dlq.test.ts.
 */

type Sent = { name: string; input: Record<string, unknown> };

function fakeSqs(handler: (name: string, input: Record<string, unknown>) => unknown) {
  const sent: Sent[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      return handler(command.constructor.name, command.input);
    },
    destroy: () => undefined,
  } as unknown as SQSClient;
  return { client, sent };
}

async function run(args: string[], deps: DlqDeps) {
  let out = '';
  let err = '';
  const program = new Command('echobase').exitOverride().configureOutput({
    writeOut: (s) => {
      out += s;
    },
    writeErr: (s) => {
      err += s;
    },
  });
  registerDlqCommands(
    program,
    { write: (s: string) => (out += s) },
    { write: (s: string) => (err += s) },
    deps,
  );
  const error = await program.parseAsync(args, { from: 'user' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { out, err, error };
}

const notAsked: DlqDeps = {
  sqsFor: () => {
    throw new Error('SQS must not be called');
  },
};

const missingQueue = Object.assign(new Error('The specified queue does not exist.'), {
  name: 'QueueDoesNotExist',
});

const order = orderFor(1, SEEDED.plasmaConduit, 1);

describe('echobase dlq', () => {
  it('rejects an unknown colour in one line, exit 2, before any AWS call', async () => {
    const { error } = await run(['dlq', 'list', 'red', '--env', 'ci'], notAsked);
    expect(error).toBeInstanceOf(OpsError);
    expect((error as OpsError).exitCode).toBe(2);
    expect((error as OpsError).message).toBe("unknown colour 'red' (expected blue or green)");
  });

  it('rejects an unknown environment, exit 2', async () => {
    const { error } = await run(['dlq', 'redrive', 'blue', '--env', 'prod'], notAsked);
    expect((error as OpsError).exitCode).toBe(2);
    expect((error as OpsError).message).toBe(
      "unknown environment 'prod' (expected devlocal or ci)",
    );
  });

  it('refuses to purge without --yes when there is no terminal to ask on', async () => {
    const { error } = await run(['dlq', 'purge', 'green', '--env', 'ci'], {
      ...notAsked,
      stdin: Object.assign(new PassThrough(), { isTTY: false }),
    });
    expect((error as OpsError).exitCode).toBe(2);
    expect((error as OpsError).message).toBe(
      'refusing to purge echobase-ci-green-orders-dlq without confirmation: no terminal to ask on; pass --yes',
    );
  });

  it('purges after the colour name is typed, and not after anything else', async () => {
    for (const [typed, purged] of [
      ['green\n', true],
      ['yes\n', false],
    ] as const) {
      const sqs = fakeSqs((name) =>
        name === 'GetQueueUrlCommand'
          ? { QueueUrl: 'http://q/dlq' }
          : name === 'GetQueueAttributesCommand'
            ? {
                Attributes: {
                  ApproximateNumberOfMessages: '2',
                  ApproximateNumberOfMessagesNotVisible: '0',
                },
              }
            : {},
      );
      const stdin = Object.assign(new PassThrough(), { isTTY: true });
      stdin.end(typed);
      const { out, err, error } = await run(['dlq', 'purge', 'green'], {
        sqsFor: () => sqs.client,
        stdin,
      });
      expect(err).toContain(
        'purge 2 message(s) from echobase-devlocal-green-orders-dlq? type the colour name to confirm',
      );
      expect(sqs.sent.some((s) => s.name === 'PurgeQueueCommand')).toBe(purged);
      if (purged) expect(out).toBe('purged echobase-devlocal-green-orders-dlq (2 message(s))\n');
      else expect((error as OpsError).message).toBe('purge cancelled: nothing was deleted');
    }
  });

  it('names a missing DLQ in one line, exit 1', async () => {
    const sqs = fakeSqs(() => {
      throw missingQueue;
    });
    const { error } = await run(['dlq', 'list', 'green', '--env', 'ci'], {
      sqsFor: () => sqs.client,
    });
    expect((error as OpsError).exitCode).toBe(1);
    expect((error as OpsError).message).toBe(
      'no DLQ for green in ci: is the green stack deployed?',
    );
  });

  it('says where the AWS endpoint is when it cannot be reached', async () => {
    const sqs = fakeSqs(() => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4567'), {
        code: 'ECONNREFUSED',
      });
    });
    const { error } = await run(['dlq', 'list', 'blue', '--env', 'ci'], {
      sqsFor: () => sqs.client,
    });
    expect((error as OpsError).message).toBe(
      'the SQS endpoint of ci (http://127.0.0.1:9325) failed (ECONNREFUSED): is its durable layer up? ./durable/setup.sh ci',
    );
  });

  it('lists as JSON and puts every listed message back (visibility 0)', async () => {
    const pages: Message[][] = [
      [
        {
          MessageId: 'm1',
          ReceiptHandle: 'r1',
          Body: JSON.stringify(order),
          Attributes: { ApproximateReceiveCount: '4', SentTimestamp: '1735689600000' },
        },
        {
          MessageId: 'm2',
          ReceiptHandle: 'r2',
          Body: '{"version":2}',
          Attributes: { ApproximateReceiveCount: '3' },
        },
      ],
      [],
    ];
    const sqs = fakeSqs((name) =>
      name === 'GetQueueUrlCommand'
        ? { QueueUrl: 'http://q/dlq' }
        : name === 'ReceiveMessageCommand'
          ? { Messages: pages.shift() ?? [] }
          : {},
    );
    const { out, error } = await run(['dlq', 'list', 'blue', '--env', 'ci', '--json'], {
      sqsFor: () => sqs.client,
    });
    expect(error).toBeUndefined();
    const listed = JSON.parse(out);
    expect(listed).toMatchObject({
      env: 'ci',
      colour: 'blue',
      queue: 'echobase-ci-blue-orders-dlq',
      count: 2,
    });
    expect(listed.messages[0]).toEqual({
      id: 'm1',
      receiveCount: 4,
      sentAt: '2025-01-01T00:00:00.000Z',
      type: 'order.placed',
      orderId: order.orderId,
      requestId: order.requestId,
    });
    expect(listed.messages[1]).toMatchObject({
      id: 'm2',
      reason: expect.stringMatching(/^invalid fields: /),
    });
    const putBack = sqs.sent.find((s) => s.name === 'ChangeMessageVisibilityBatchCommand');
    expect(putBack?.input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'r1', VisibilityTimeout: 0 },
      { Id: '1', ReceiptHandle: 'r2', VisibilityTimeout: 0 },
    ]);
    expect(sqs.sent.some((s) => s.name.startsWith('Delete'))).toBe(false);
  });

  it('redrives: sends to the queue, deletes from the DLQ only what was sent', async () => {
    const pages: Message[][] = [
      [
        { MessageId: 'a', ReceiptHandle: 'ra', Body: 'one' },
        { MessageId: 'b', ReceiptHandle: 'rb', Body: 'two' },
      ],
      [],
    ];
    const sqs = fakeSqs((name, input) => {
      if (name === 'GetQueueUrlCommand') return { QueueUrl: `http://q/${input.QueueName}` };
      if (name === 'ReceiveMessageCommand') return { Messages: pages.shift() ?? [] };
      if (name === 'SendMessageBatchCommand') return { Successful: [{ Id: '0' }, { Id: '1' }] };
      return {};
    });
    const { out, error } = await run(['dlq', 'redrive', 'green', '--env', 'ci'], {
      sqsFor: () => sqs.client,
    });
    expect(error).toBeUndefined();
    expect(out).toBe(
      'moved 2 message(s) from echobase-ci-green-orders-dlq to echobase-ci-green-orders\n',
    );
    const send = sqs.sent.find((s) => s.name === 'SendMessageBatchCommand');
    expect(send?.input).toMatchObject({ QueueUrl: 'http://q/echobase-ci-green-orders' });
    const del = sqs.sent.find((s) => s.name === 'DeleteMessageBatchCommand');
    expect(del?.input).toMatchObject({ QueueUrl: 'http://q/echobase-ci-green-orders-dlq' });
  });

  it('describes a message that is not JSON by its reason only', () => {
    expect(describeMessage({ MessageId: 'x', Body: 'secret-ish text' })).toEqual({
      id: 'x',
      receiveCount: null,
      sentAt: null,
      reason: 'body is not JSON',
    });
  });
});
