import { randomBytes } from 'node:crypto';
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createOrderSigner } from '@echobase/infra/queue';
import { orderFor } from '@echobase/test-kit/orders';
import { describe, expect, it } from 'vitest';
import { createOrderProducer, OrderNotQueued } from './orders.queue.js';

const signer = createOrderSigner({ signingKey: randomBytes(48).toString('base64url') });
type Entries = NonNullable<SendMessageBatchCommand['input']['Entries']>;

/** SQS at the module edge: each call waits for `release`, then answers as `answer` says. */
function fakeSqs(answer: (entries: Entries) => { failed?: string[]; error?: Error } = () => ({})) {
  const calls: Entries[] = [];
  const pending: (() => void)[] = [];
  const client = {
    async send(command: SendMessageBatchCommand) {
      const entries = command.input.Entries ?? [];
      calls.push(entries);
      await new Promise<void>((resolve) => pending.push(resolve));
      const { failed = [], error } = answer(entries);
      if (error) throw error;
      return {
        Successful: entries
          .filter((e) => !failed.includes(e.Id ?? ''))
          .map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
        Failed: failed.map((Id) => ({ Id, Code: 'InvalidParameterValue', SenderFault: true })),
      };
    },
  } as unknown as SQSClient;
  const releaseAll = () => {
    for (const release of pending.splice(0)) release();
  };
  return { client, calls, releaseAll };
}

const settle = (p: Promise<void>) =>
  p.then(
    () => 'sent',
    (error: unknown) => error,
  );

describe('order producer', () => {
  it('sends an order at once when nothing is on its way, alone', async () => {
    const sqs = fakeSqs();
    const producer = createOrderProducer(sqs.client, 'q', signer);
    const sent = settle(producer.send(orderFor(1)));
    expect(sqs.calls.map((c) => c.length)).toEqual([1]);
    sqs.releaseAll();
    expect(await sent).toBe('sent');
  });

  it('puts orders that arrive while calls are on their way into batches of up to 10', async () => {
    const sqs = fakeSqs();
    const producer = createOrderProducer(sqs.client, 'q', signer, { maxInFlight: 2 });
    const orders = Array.from({ length: 24 }, () => orderFor(1));
    const sent = orders.map((o) => settle(producer.send(o)));
    expect(sqs.calls.map((c) => c.length)).toEqual([1, 1]);
    sqs.releaseAll();
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sqs.calls.map((c) => c.length)).toEqual([1, 1, 10, 10]);
    sqs.releaseAll();
    await new Promise((resolve) => setImmediate(resolve));
    sqs.releaseAll();
    expect(await Promise.all(sent)).toEqual(Array(24).fill('sent'));
    expect(sqs.calls.map((c) => c.length)).toEqual([1, 1, 10, 10, 2]);
    // Every order went once, with its own body and signature.
    const bodies = sqs.calls.flat().map((e) => JSON.parse(e.MessageBody ?? '{}').orderId);
    expect(bodies.sort()).toEqual(orders.map((o) => o.orderId).sort());
    for (const entry of sqs.calls.flat())
      expect(signer.verify(entry.MessageBody, entry.MessageAttributes)).toMatchObject({ ok: true });
  });

  it('fails only the orders the queue refused, each with its reason', async () => {
    const sqs = fakeSqs(() => ({ failed: ['1'] }));
    const producer = createOrderProducer(sqs.client, 'q', signer, { maxInFlight: 1 });
    const first = settle(producer.send(orderFor(1)));
    const rest = [orderFor(1), orderFor(1), orderFor(1)].map((o) => settle(producer.send(o)));
    sqs.releaseAll();
    await new Promise((resolve) => setImmediate(resolve));
    sqs.releaseAll();
    expect(await first).toBe('sent');
    const [a, b, c] = await Promise.all(rest);
    expect([a, c]).toEqual(['sent', 'sent']);
    expect(b).toBeInstanceOf(OrderNotQueued);
    expect(b).toMatchObject({ code: 'InvalidParameterValue' });
  });

  it('fails every order of a call that failed, and sends the next ones', async () => {
    let down = true;
    const sqs = fakeSqs(() => (down ? { error: new Error('connect ECONNREFUSED') } : {}));
    const producer = createOrderProducer(sqs.client, 'q', signer, { maxInFlight: 1 });
    const lost = [orderFor(1), orderFor(1)].map((o) => settle(producer.send(o)));
    sqs.releaseAll();
    await new Promise((resolve) => setImmediate(resolve));
    sqs.releaseAll();
    expect((await Promise.all(lost)).map((e) => (e as Error).message)).toEqual([
      'connect ECONNREFUSED',
      'connect ECONNREFUSED',
    ]);
    down = false;
    const later = settle(producer.send(orderFor(1)));
    sqs.releaseAll();
    expect(await later).toBe('sent');
  });
});
