import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { createLogger } from '@echobase/infra/logger';
import { createOrderSigner, type OrderPlaced, signedOrderMessage } from '@echobase/infra/queue';
import { orderFor, SEEDED } from '@echobase/test-kit/orders';
import { waitFor } from '@echobase/test-kit/poll';
import { describe, expect, it } from 'vitest';
import type { OrdersRepository } from './orders.repository.js';
import { createProcessor } from './processor.js';

/**
 * The processor's lifecycle against a stand-in queue and repository (the module edges). The real
 * thing, against moto and MariaDB, is in test/.
 */

const signer = createOrderSigner({ signingKey: randomBytes(48).toString('base64url') });

class FakeQueue {
  visible: Message[] = [];
  deleted: string[] = [];
  /** Every message handed out, so a release can make it visible again. */
  received: Message[] = [];
  receives = 0;

  put(order: OrderPlaced) {
    const { MessageBody, MessageAttributes } = signedOrderMessage(order, signer);
    this.visible.push({
      MessageId: randomUUID(),
      ReceiptHandle: randomUUID(),
      Body: MessageBody,
      MessageAttributes,
    });
  }

  client(): SQSClient {
    return {
      send: async (
        command: { constructor: { name: string }; input: Record<string, unknown> },
        options?: { abortSignal?: AbortSignal },
      ) => {
        switch (command.constructor.name) {
          case 'ReceiveMessageCommand': {
            this.receives += 1;
            // A long poll: answers as soon as something arrives, or empty after a while.
            for (let waited = 0; this.visible.length === 0 && waited < 200; waited += 10) {
              await sleep(10, undefined, { signal: options?.abortSignal });
            }
            const messages = this.visible.splice(0, 10);
            this.received.push(...messages);
            return { Messages: messages };
          }
          case 'DeleteMessageBatchCommand': {
            const entries = command.input.Entries as { Id: string }[];
            this.deleted.push(...entries.map((e) => e.Id));
            return { Successful: entries, Failed: [] };
          }
          case 'ChangeMessageVisibilityBatchCommand': {
            // Held messages released: visible again at once.
            const entries = command.input.Entries as { Id: string; ReceiptHandle: string }[];
            const handles = new Set(entries.map((e) => e.ReceiptHandle));
            this.visible.push(...this.received.filter((m) => handles.has(m.ReceiptHandle ?? '')));
            return { Successful: entries, Failed: [] };
          }
          default:
            throw new Error(`unexpected ${command.constructor.name}`);
        }
      },
    } as unknown as SQSClient;
  }
}

const order = () => orderFor(1, SEEDED.plasmaConduit, 1);

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

function setup(repository: Partial<OrdersRepository>, pollers?: number) {
  const queue = new FakeQueue();
  const lines: { msg: string }[] = [];
  const processor = createProcessor({
    sqs: queue.client(),
    queueUrl: 'http://127.0.0.1:4567/000000000000/unit-orders',
    pool: {} as Pool,
    logger: createLogger({
      name: 'test',
      level: 'info',
      destination: { write: (s: string) => lines.push(JSON.parse(s)) },
    }),
    signer,
    repository: {
      ping: async () => undefined,
      products: async (ids) =>
        new Map(
          ids.map((id) => [
            id,
            { sku: 'PC-042', name: 'Plasma Conduit', price: '89.50', active: true },
          ]),
        ),
      recordOrders: async (writes) => writes.map(() => 'recorded' as const),
      claimStale: async () => [],
      returnAttempts: async () => undefined,
      ...repository,
    },
    ...(pollers ? { pollers } : {}),
    pauseInitialBackoffMs: 10,
    pauseMaxBackoffMs: 40,
    waitTimeSeconds: 1,
  });
  return { queue, processor, lines };
}

describe('processor lifecycle', () => {
  it('pauses at a database outage without polling, and resumes by itself', async () => {
    let down = false;
    let pings = 0;
    const { queue, processor, lines } = setup({
      ping: async () => {
        pings += 1;
        if (down) throw refused();
      },
      recordOrders: async (writes) => {
        if (down) throw refused();
        return writes.map(() => 'recorded' as const);
      },
    });
    await processor.start();
    queue.put(order());
    await waitFor('the first order', () => queue.deleted.length === 1);

    down = true;
    const lost = order();
    queue.put(lost);
    await waitFor('the pause', () => processor.status().state === 'paused');
    expect(processor.status().reason).toBe('database unavailable (ECONNREFUSED)');
    const receivesAtPause = queue.receives;
    const pingsAtPause = pings;
    await waitFor('several database checks', () => pings >= pingsAtPause + 4);
    expect(queue.receives).toBe(receivesAtPause); // not polling while paused
    expect(queue.deleted).toHaveLength(1); // the failed message was left alone

    down = false; // the held message is released on resume, and written

    await waitFor('the resume and the write', () => queue.deleted.length === 2);
    expect(processor.status().state).toBe('running');
    await processor.stop();
    expect(lines.filter((l) => l.msg.includes('consumption paused'))).toHaveLength(1);
    expect(lines.filter((l) => l.msg.includes('consumption resumed'))).toHaveLength(1);
  });

  it('starts paused when the database is unreachable, and consumes once it answers', async () => {
    let down = true;
    const { queue, processor } = setup({
      ping: async () => {
        if (down) throw refused();
      },
    });
    queue.put(order());
    await processor.start();
    expect(processor.status().state).toBe('paused');
    expect(queue.receives).toBe(0);
    down = false;
    await waitFor('the order', () => queue.deleted.length === 1);
    await processor.stop();
  });

  it('fails to start on a database error that waiting does not fix', async () => {
    const { processor } = setup({
      ping: async () => {
        throw Object.assign(new Error('Access denied'), { code: 'ER_ACCESS_DENIED_ERROR' });
      },
    });
    await expect(processor.start()).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
    expect(processor.status().state).toBe('stopped');
  });

  it('stop finishes the in-flight batch (write and delete) and polls no more', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let writing = false;
    // One poll loop: with more, another loop's long poll in progress takes the late order
    // (the next test's case).
    const { queue, processor } = setup(
      {
        recordOrders: async (writes) => {
          writing = true;
          await gate;
          return writes.map(() => 'recorded' as const);
        },
      },
      1,
    );
    await processor.start();
    queue.put(order());
    queue.put(order());
    await waitFor('the batch to be in flight', () => writing);
    let stopped = false;
    const stopping = processor.stop().then(() => {
      stopped = true;
    });
    expect(processor.status()).toMatchObject({ state: 'stopping', inFlight: 2 });
    const receives = queue.receives;
    queue.put(order()); // arrives after the stop: must stay on the queue
    await sleep(50);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(queue.deleted).toHaveLength(2);
    expect(queue.receives).toBe(receives);
    expect(queue.visible).toHaveLength(1);
    expect(processor.status().state).toBe('stopped');
  });

  it('stop lets the long poll in progress finish, and handles what it brings', async () => {
    // An aborted receive can still take messages on the server side (they would then sit
    // invisible for the visibility timeout), so stop waits for the poll and handles its batch.
    const written: string[] = [];
    const { queue, processor } = setup({
      recordOrders: async (writes) => {
        written.push(...writes.map((w) => w.order.orderId));
        return writes.map(() => 'recorded' as const);
      },
    });
    await processor.start();
    await waitFor('a long poll to be in progress', () => queue.receives > 0);
    const stopping = processor.stop();
    const late = order();
    queue.put(late);
    await stopping;
    expect(written).toEqual([late.orderId]);
    expect(queue.deleted).toHaveLength(1);
    expect(processor.status().state).toBe('stopped');
  });

  it('writes with one poll loop while another receives: two batches in flight at once', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let writing = 0;
    const { queue, processor } = setup({
      recordOrders: async (writes) => {
        writing += 1;
        await gate;
        return writes.map(() => 'recorded' as const);
      },
    });
    await processor.start();
    for (let i = 0; i < 10; i += 1) queue.put(order());
    await waitFor('the first batch to be writing', () => writing === 1);
    queue.put(order());
    await waitFor('a second batch to be writing beside it', () => writing === 2);
    expect(processor.status().inFlight).toBe(11);
    release();
    await waitFor('both batches deleted', () => queue.deleted.length === 11);
    await processor.stop();
  });
});
