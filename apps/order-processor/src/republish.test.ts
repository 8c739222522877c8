import { randomBytes } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createLogger } from '@echobase/infra/logger';
import { createOrderSigner } from '@echobase/infra/queue';
import { orderFor, SEEDED } from '@echobase/test-kit/orders';
import { describe, expect, it } from 'vitest';
import type { StaleOrder } from './orders.repository.js';
import { BACKLOG_PASSES, republishBacklog, republishStale } from './republish.js';

const signer = createOrderSigner({ signingKey: randomBytes(48).toString('base64url') });

function stale(attempt = 1): StaleOrder {
  const order = orderFor(3, SEEDED.plasmaConduit, 1);
  return { order, attempt };
}

function setup(orders: StaleOrder[], answer: (entries: { Id: string }[]) => unknown) {
  const lines: Record<string, unknown>[] = [];
  const sent: { Id: string; MessageBody: string; MessageAttributes: never }[][] = [];
  const sqs = {
    send: async (command: { input: { Entries: never[] } }) => {
      sent.push(command.input.Entries);
      return answer(command.input.Entries);
    },
  } as unknown as SQSClient;
  const claims: unknown[][] = [];
  const returned: string[][] = [];
  const deps = {
    repository: {
      claimStale: async (...args: unknown[]) => {
        claims.push(args);
        return orders;
      },
      returnAttempts: async (ids: readonly string[]) => {
        if (ids.length > 0) returned.push([...ids]);
      },
    },
    sqs,
    queueUrl: 'http://q/orders',
    signer,
    afterMs: 60_000,
    logger: createLogger({
      name: 'test',
      level: 'debug',
      destination: { write: (s: string) => lines.push(JSON.parse(s)) },
    }),
  };
  return { deps, lines, sent, claims, returned };
}

describe('republishStale', () => {
  it('sends each claimed order again, signed, in batches of 10, and says so per order', async () => {
    const orders = Array.from({ length: 12 }, () => stale());
    const { deps, lines, sent, claims } = setup(orders, (entries) => ({
      Successful: (entries as { Id: string }[]).map((e) => ({ Id: e.Id })),
    }));
    expect(await republishStale(deps)).toBe(12);
    expect(claims).toEqual([[60_000, 50, 5]]);
    expect(sent.map((batch) => batch.length)).toEqual([10, 2]);
    const first = sent[0]?.[0];
    expect(signer.verify(first?.MessageBody, first?.MessageAttributes)).toMatchObject({ ok: true });
    expect(lines.map((l) => l.orderId)).toEqual(orders.map((o) => o.order.orderId));
    expect(lines[0]).toMatchObject({
      msg: 'order still queued: message re-published',
      requestId: orders[0]?.order.requestId,
      attempt: 1,
    });
  });

  it('marks the last attempt, and reports what the queue refused or could not take', async () => {
    const last = stale(5);
    const refused = stale(2);
    const { deps, lines } = setup([last, refused], () => ({
      Successful: [{ Id: '0' }],
      Failed: [{ Id: '1', Code: 'InternalError' }],
    }));
    expect(await republishStale(deps)).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({ orderId: last.order.orderId, attempt: 5, last: true }),
      expect.objectContaining({
        msg: 'cannot re-publish a queued order now; tried again after the threshold',
        orderId: refused.order.orderId,
        code: 'InternalError',
      }),
    ]);

    const down = setup([stale()], () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    expect(await republishStale(down.deps)).toBe(0);
    expect(down.lines).toEqual([
      expect.objectContaining({
        msg: 'cannot re-publish queued orders now; tried again after the threshold',
        code: 'ECONNREFUSED',
        orders: 1,
      }),
    ]);
  });
});

describe('republishStale, when a send does not reach the queue', () => {
  it('gives the attempt back, so an endpoint away for long never strands the order', async () => {
    const orders = Array.from({ length: 12 }, () => stale());
    const ids = orders.map((o) => o.order.orderId);
    const down = setup(orders, () => {
      throw new Error('QueueDoesNotExist');
    });
    expect(await republishStale(down.deps)).toBe(0);
    expect(down.returned).toEqual([ids.slice(0, 10), ids.slice(10)]);

    // Only the entries the queue refused; the ones it took keep their attempt.
    const partly = setup(orders.slice(0, 3), () => ({
      Successful: [{ Id: '0' }, { Id: '2' }],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    }));
    expect(await republishStale(partly.deps)).toBe(2);
    expect(partly.returned).toEqual([[ids[1]]]);

    const fine = setup(orders.slice(0, 3), (entries) => ({
      Successful: entries.map((e) => ({ Id: e.Id })),
    }));
    await republishStale(fine.deps);
    expect(fine.returned).toEqual([]);
  });
});

describe('republishBacklog', () => {
  const everyOk = (entries: { Id: string }[]) => ({
    Successful: entries.map((e) => ({ Id: e.Id })),
  });

  it('runs pass after pass while each sends a full batch, and stops after a short one', async () => {
    const passes = [50, 50, 7];
    const { deps, claims } = setup([], everyOk);
    deps.repository.claimStale = async (...args: unknown[]) => {
      claims.push(args);
      return Array.from({ length: passes[claims.length - 1] ?? 0 }, () => stale());
    };
    expect(await republishBacklog(deps)).toBe(107);
    expect(claims).toHaveLength(3);
  });

  it('stops when the endpoint refuses, when the processor stops, and after its pass limit', async () => {
    const full = () => Array.from({ length: 50 }, () => stale());
    const refusing = setup([], () => {
      throw new Error('connect ECONNREFUSED');
    });
    refusing.deps.repository.claimStale = async (...args: unknown[]) => {
      refusing.claims.push(args);
      return full();
    };
    expect(await republishBacklog(refusing.deps)).toBe(0);
    expect(refusing.claims).toHaveLength(1);

    const stopping = setup([], everyOk);
    stopping.deps.repository.claimStale = async (...args: unknown[]) => {
      stopping.claims.push(args);
      return full();
    };
    let passes = 0;
    expect(await republishBacklog(stopping.deps, () => passes++ < 2)).toBe(100);

    const endless = setup([], everyOk);
    endless.deps.repository.claimStale = async (...args: unknown[]) => {
      endless.claims.push(args);
      return full();
    };
    expect(await republishBacklog(endless.deps)).toBe(BACKLOG_PASSES * 50);
    expect(endless.claims).toHaveLength(BACKLOG_PASSES);
  });
});
