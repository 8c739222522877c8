import { createLogger } from '@echobase/infra/logger';
import {
  decodeOrderPlaced,
  type OrderPlaced,
  orderFingerprint,
  orderIdFor,
} from '@echobase/infra/queue';
import { describe, expect, it } from 'vitest';
import type { Catalogue } from '../products/catalogue.js';
import type { OrdersRepository, Reservation } from './orders.repository.js';
import { createOrdersService } from './orders.service.js';

const product = { id: 2, sku: 'PC-042', name: 'Plasma Conduit', price: '89.50' };
const catalogue = { get: (id: number) => (id === 2 ? product : undefined) } as unknown as Catalogue;
const logger = createLogger({ name: 'test', level: 'silent' });
const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const deadlock = Object.assign(new Error('Deadlock found'), {
  errno: 1213,
  code: 'ER_LOCK_DEADLOCK',
});

function service(
  reserve: OrdersRepository['reserve'] = async () => ({ outcome: 'reserved' }),
  send: (m: OrderPlaced) => Promise<void> = async () => {},
) {
  const sent: OrderPlaced[] = [];
  const events: string[] = [];
  const svc = createOrdersService({
    catalogue,
    repo: {
      findOwn: async () => null,
      reserve: async (m: OrderPlaced) => {
        events.push('reserve');
        return reserve(m);
      },
    } as unknown as OrdersRepository,
    producer: {
      send: async (m) => {
        events.push('send');
        await send(m);
        sent.push(m);
      },
    },
    logger,
  });
  return { svc, sent, events };
}

const existing = (quantity: number, status = 'completed'): Reservation => ({
  outcome: 'exists',
  status: status as 'completed',
  fingerprint: orderFingerprint({ productId: 2, quantity }),
});

describe('orders service', () => {
  it('prices the order from the catalogue, records it, then queues a valid message with its fingerprint', async () => {
    const { svc, sent, events } = service();
    const accepted = await svc.place(9, { productId: 2, quantity: 3 }, 'key-00001', 'req-1');
    expect(accepted).toEqual({
      orderId: orderIdFor(9, 'key-00001'),
      status: 'queued',
      replayed: false,
    });
    expect(events).toEqual(['reserve', 'send']);
    expect(sent[0]).toMatchObject({
      version: 2,
      unitPrice: '89.50',
      quantity: 3,
      total: '268.50',
      userId: 9,
      requestId: 'req-1',
      fingerprint: orderFingerprint({ productId: 2, quantity: 3 }),
    });
    expect(decodeOrderPlaced(JSON.stringify(sent[0])).ok).toBe(true);
  });

  it('accepts orders while the database is unreachable', async () => {
    const { svc, sent } = service(async () => Promise.reject(down));
    await expect(
      svc.place(9, { productId: 2, quantity: 1 }, 'key-00002', 'r'),
    ).resolves.toMatchObject({ status: 'queued' });
    expect(sent).toHaveLength(1);
  });

  it('accepts the order when the database stays deadlocked past its retries, instead of a 500', async () => {
    const { svc, sent } = service(async () => Promise.reject(deadlock));
    await expect(
      svc.place(9, { productId: 2, quantity: 1 }, 'key-00007', 'r'),
    ).resolves.toMatchObject({ status: 'queued', replayed: false });
    expect(sent).toHaveLength(1);
  });

  it('replays a known key for the same order, and refuses it for a different one (422)', async () => {
    const { svc, sent } = service(async () => existing(1));
    await expect(
      svc.place(9, { productId: 2, quantity: 1 }, 'key-00003', 'r'),
    ).resolves.toMatchObject({ replayed: true, status: 'completed' });
    await expect(
      svc.place(9, { productId: 2, quantity: 5 }, 'key-00003', 'r'),
    ).rejects.toMatchObject({
      status: 422,
      code: 'idempotency_key_reused',
      message: 'this Idempotency-Key was already used for a different order',
    });
    expect(sent).toHaveLength(0);
  });

  it('answers 422 for an unknown product', async () => {
    const { svc } = service();
    await expect(
      svc.place(9, { productId: 99, quantity: 1 }, 'key-00004', 'r'),
    ).rejects.toMatchObject({ status: 422, code: 'unprocessable' });
  });

  it('answers 503 when neither the queue nor the database takes the order', async () => {
    const { svc } = service(
      async () => Promise.reject(down),
      async () => Promise.reject(new Error('queue down')),
    );
    await expect(
      svc.place(9, { productId: 2, quantity: 1 }, 'key-00005', 'r'),
    ).rejects.toMatchObject({ status: 503, code: 'unavailable' });
  });

  it('accepts an order the database recorded even when the queue refuses it: it will be re-published', async () => {
    const { svc, sent } = service(undefined, async () => Promise.reject(new Error('queue down')));
    await expect(svc.place(9, { productId: 2, quantity: 1 }, 'key-00008', 'r')).resolves.toEqual({
      orderId: orderIdFor(9, 'key-00008'),
      status: 'queued',
      replayed: false,
    });
    expect(sent).toHaveLength(0);
  });

  it('does not swallow a data error from the database', async () => {
    const { svc } = service(async () =>
      Promise.reject(Object.assign(new Error('bad'), { code: 'ER_PARSE_ERROR' })),
    );
    await expect(svc.place(9, { productId: 2, quantity: 1 }, 'key-00006', 'r')).rejects.toThrow(
      'bad',
    );
  });
});
