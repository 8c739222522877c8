import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
} from '@aws-sdk/client-sqs';
import { run } from '@echobase/test-kit/cli';
import { durableEnv } from '@echobase/test-kit/env';
import { sqsClient } from '@echobase/test-kit/queue';
import { afterAll, describe, expect, it } from 'vitest';

/** The docker stack's one-shot `queues` service, run as the image runs it, against ElasticMQ. */
const ENTRY = fileURLToPath(new URL('../dist/ensure-queues.js', import.meta.url));

/** With only the given environment (and PATH), as the image's entry runs. */
function ensureQueues(env: Record<string, string>) {
  return run(process.execPath, [ENTRY], {
    env: { PATH: process.env.PATH, ...env },
    inheritEnv: false,
  });
}

describe('ensure-queues (the docker stack creates its colour queue with it)', () => {
  const sqs = sqsClient();
  const name = `ensure-${randomUUID().slice(0, 8)}`;
  const made: string[] = [];
  const env = () => ({
    AWS_REGION: durableEnv().AWS_REGION as string,
    AWS_ENDPOINT_URL: durableEnv().AWS_ENDPOINT_URL as string,
    AWS_ENDPOINT_URL_SQS: durableEnv().AWS_ENDPOINT_URL_SQS as string,
    AWS_ACCESS_KEY_ID: 'echobase',
    AWS_SECRET_ACCESS_KEY: 'echobase',
    ORDERS_QUEUE_URL: `${durableEnv().AWS_ENDPOINT_URL_SQS}/123456789012/${name}`,
  });

  afterAll(async () => {
    for (const url of made) await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    sqs.destroy();
  });

  it('creates the queue and its DLQ with the redrive policy, and changes nothing when run again', async () => {
    const first = await ensureQueues(env());
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`${name} and ${name}-dlq ready`);
    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: name })))
      .QueueUrl as string;
    const dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: `${name}-dlq` })))
      .QueueUrl as string;
    made.push(queueUrl, dlqUrl);
    expect(queueUrl).toBe(env().ORDERS_QUEUE_URL);
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}').deadLetterTargetArn).toMatch(
      new RegExp(`:${name}-dlq$`),
    );

    const again = await ensureQueues(env());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${name} and ${name}-dlq ready`);
  });

  it('names a bad queue URL in one line and exits 2', async () => {
    const bad = await ensureQueues({ ...env(), ORDERS_QUEUE_URL: 'http://aws:5000/1/bad name!' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^ensure-queues: invalid configuration:\n {2}ORDERS_QUEUE_URL must end with the queue name/,
    );
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('says it cannot reach the endpoint in one line and exits 1', async () => {
    const down = await ensureQueues({
      ...env(),
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9',
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^ensure-queues: failed to start: cannot create ensure-\w+ \(/);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
  });
});
