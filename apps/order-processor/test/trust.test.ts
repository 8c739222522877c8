import { randomBytes, randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import {
  createOrderSigner,
  encodeOrderPlaced,
  fromCents,
  orderFingerprint,
  type QueuePair,
  queueDepth,
  signedOrderMessage,
  toCents,
} from '@echobase/infra/queue';
import { appPool, Fixtures } from '@echobase/test-kit/db';
import { deleteSecret, writeSecret } from '@echobase/test-kit/env';
import { orderFor } from '@echobase/test-kit/orders';
import { waitFor } from '@echobase/test-kit/poll';
import { spawnProcessor } from '@echobase/test-kit/process';
import {
  createQueues,
  deleteQueues,
  sendBody,
  sendOrder,
  sendSignedBody,
  sqsClient,
} from '@echobase/test-kit/queue';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type InProcess, startInProcess } from './support.js';

/**
 * What the processor believes of a message: only what the API signed, and never a price. A
 * process that can reach the queue must not be able to place an order for anyone.
 */
let pool: Pool;
let sqs: SQSClient;
let fixtures: Fixtures;
let queues: QueuePair;
let running: InProcess | undefined;

beforeAll(async () => {
  pool = await appPool();
  sqs = sqsClient();
  fixtures = new Fixtures(pool);
});

beforeEach(async () => {
  queues = await createQueues(sqs, { visibilityTimeoutSeconds: 1 });
  running = await startInProcess({ sqs, queueUrl: queues.queueUrl, pool });
});

afterEach(async () => {
  await running?.close();
  running = undefined;
  await deleteQueues(sqs, queues);
});

afterAll(async () => {
  await fixtures.cleanUp();
  await pool.end();
  sqs.destroy();
});

const inDlq = async () => (await queueDepth(sqs, queues.deadLetterQueueUrl)).visible === 1;

describe('order processor: what it trusts', () => {
  it('never writes an unsigned order message, however valid it looks: it goes to the DLQ', async () => {
    const forged = { ...orderFor(await fixtures.user()), unitPrice: '0.01', total: '0.02' };
    await sendBody(sqs, queues.queueUrl, JSON.stringify(forged));
    // And the same signed with a key of its own.
    const stranger = createOrderSigner({ signingKey: randomBytes(48).toString('base64url') });
    const own = { ...forged, orderId: randomUUID() };
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queues.queueUrl, ...signedOrderMessage(own, stranger) }),
    );

    await waitFor(
      'both forged messages in the DLQ',
      async () => (await queueDepth(sqs, queues.deadLetterQueueUrl)).visible === 2,
    );
    expect(await fixtures.orders([forged.orderId, own.orderId])).toEqual([]);
    const refusals = running?.lines.filter(
      (l) =>
        l.msg === 'order message not authenticated: not written; left for the dead-letter queue',
    );
    expect(refusals?.map((l) => l.reason).sort()).toEqual([
      ...Array(3).fill('no signature'),
      ...Array(3).fill('signed with an unknown key'),
    ]);
    expect(JSON.stringify(running?.lines)).not.toContain(forged.requestId);
  });

  it('follows a rotation of the signing key without a restart: the new key and the previous verify', async () => {
    // Only the spawned processor below consumes: the in-process one holds the environment's key.
    await running?.close();
    running = undefined;
    // A secret of the test's own, read by a processor started before the rotation.
    const name = `echobase/ci/test/signing-${randomUUID()}`;
    const key = () => randomBytes(48).toString('base64url');
    const before = { signingKey: key() };
    const after = { signingKey: key(), previousSigningKey: before.signingKey };
    await writeSecret(name, before);
    const processor = await spawnProcessor(queues.queueUrl, { ORDER_SIGNING_SECRET_NAME: name });
    try {
      await writeSecret(name, after);
      const user = await fixtures.user();
      const fresh = orderFor(user);
      const old = orderFor(user);
      // An API started since signs with the new key; one started before, with the previous.
      for (const [order, keys] of [
        [fresh, after],
        [old, before],
      ] as const) {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: queues.queueUrl,
            ...signedOrderMessage(order, createOrderSigner(keys)),
          }),
        );
      }
      await waitFor(
        'both orders written',
        async () => (await fixtures.orders([fresh.orderId, old.orderId])).length === 2,
      );
      await processor.waitForLog('the order signing keys changed since the start: reloaded');
      expect(processor.lines.filter((l) => l.msg.includes('not authenticated'))).toEqual([]);
    } finally {
      // (Its exit code says nothing here: this file's queues have a 1 s visibility timeout,
      // which is also the processor's whole shutdown budget.)
      await processor.stop();
      await deleteSecret(name);
    }
  });

  it('prices every order from products, never from the message', async () => {
    const user = await fixtures.user();
    const cheap = { ...orderFor(user), unitPrice: '0.01', total: '0.02' };
    await sendOrder(sqs, queues.queueUrl, cheap);

    const row = await waitFor(
      'the order row',
      async () => (await fixtures.orders([cheap.orderId]))[0],
    );
    expect(row).toMatchObject({ status: 'completed', unit_price: '89.50', total: '179.00' });
  });

  it('refuses a quantity over the API limit (500 × 249.99): never written, left for the DLQ', async () => {
    const user = await fixtures.user();
    const product = { id: 1, sku: 'QS-001', name: 'Quantum Stabilizer', price: '249.99' };
    const bulk = {
      ...orderFor(user, product, 1),
      quantity: 500,
      total: fromCents(toCents('249.99') * 500),
      fingerprint: orderFingerprint({ productId: 1, quantity: 500 }),
    };
    // The contract refuses to encode it; even signed with the right key, it is never written.
    expect(() => encodeOrderPlaced(bulk)).toThrow();
    await sendSignedBody(sqs, queues.queueUrl, JSON.stringify(bulk));

    await waitFor('the message in the DLQ', inDlq);
    expect(await fixtures.orders([bulk.orderId])).toEqual([]);
    expect(
      running?.lines.find(
        (l) => l.msg === 'invalid order message: not written; left for the dead-letter queue',
      ),
    ).toMatchObject({ reason: 'invalid fields: quantity' });
  });

  it('leaves an order for a product that does not exist for the DLQ, saying why', async () => {
    const user = await fixtures.user();
    const ghost = { id: 2_000_000_001, sku: 'GHOST-1', name: 'No such product', price: '5.00' };
    const order = orderFor(user, ghost, 1);
    await sendOrder(sqs, queues.queueUrl, order);

    await waitFor('the message in the DLQ', inDlq);
    expect(await fixtures.orders([order.orderId])).toEqual([]);
    const lines = running?.lines.filter((l) => l.orderId === order.orderId);
    expect(lines?.map((l) => l.msg)).toEqual(
      Array(3).fill(
        'order for a product that does not exist: not written; left for the dead-letter queue',
      ),
    );
    expect(lines?.[0]).toMatchObject({
      level: 50,
      productId: ghost.id,
      requestId: order.requestId,
    });
  });
});
