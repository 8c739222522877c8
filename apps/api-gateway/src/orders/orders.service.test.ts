import { createLogger } from '@echobase/infra/logger';
import type { OrderPlaced } from '@echobase/infra/queue';
import { describe, expect, it } from 'vitest';
import type { Catalogue } from '../products/catalogue.js';
import type { OrdersRepository } from './orders.repository.js';
import type { OrderView } from './orders.schemas.js';
import { createOrdersService, orderIdFor } from './orders.service.js';

const product = { id: 2, sku: 'PC-042', name: 'Plasma Conduit', price: '89.50' };
const catalogue = { get: (id: number) => (id === 2 ? product : undefined) } as unknown as Catalogue;
const logger = createLogger({ name: 'test', level: 'silent' });
const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

function service(
  repo: Partial<OrdersRepository>,
  send: (m: OrderPlaced) => Promise<void> = async () => {},
) {
  const sent: OrderPlaced[] = [];
  const svc = createOrdersService({
    catalogue,
    repo: { findOwn: async () => null, insertQueued: async () => {}, ...repo } as OrdersRepository,
    producer: {
      send: async (m) => {
        await send(m);
        sent.push(m);
      },
    },
    logger,
  });
  return { svc, sent };
}

describe('orders service', () => {
  it('mints one order id per user and Idempotency-Key', () => {
    expect(orderIdFor(1, 'key-00001')).toBe(orderIdFor(1, 'key-00001'));
    expect(orderIdFor(1, 'key-00001')).not.toBe(orderIdFor(2, 'key-00001'));
    expect(orderIdFor(1, 'key-00001')).not.toBe(orderIdFor(1, 'key-00002'));
    expect(orderIdFor(1, 'key-00001')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('prices the order from the catalogue and queues a valid message', async () => {
    const { svc, sent } = service({});
    const accepted = await svc.place(9, { productId: 2, quantity: 3 }, 'key-00001', 'req-1');
    expect(accepted).toEqual({
      orderId: orderIdFor(9, 'key-00001'),
      status: 'queued',
      replayed: false,
    });
    expect(sent[0]).toMatchObject({
      unitPrice: '89.50',
      quantity: 3,
      total: '268.50',
      userId: 9,
      requestId: 'req-1',
    });
  });

  it('accepts orders while the database is unreachable', async () => {
    const { svc, sent } = service({
      findOwn: async () => Promise.reject(down),
      insertQueued: async () => Promise.reject(down),
    });
    await expect(
      svc.place(9, { productId: 2, quantity: 1 }, 'key-00002', 'r'),
    ).resolves.toMatchObject({ status: 'queued' });
    expect(sent).toHaveLength(1);
  });

  it('replays a known key, and refuses it for a different order', async () => {
    const existing = { productId: 2, quantity: 1, status: 'completed' } as OrderView;
    const { svc, sent } = service({ findOwn: async () => existing });
    await expect(
      svc.place(9, { productId: 2, quantity: 1 }, 'key-00003', 'r'),
    ).resolves.toMatchObject({ replayed: true, status: 'completed' });
    await expect(
      svc.place(9, { productId: 2, quantity: 5 }, 'key-00003', 'r'),
    ).rejects.toMatchObject({ status: 409 });
    expect(sent).toHaveLength(0);
  });

  it('answers 422 for an unknown product and 503 when the queue refuses', async () => {
    const { svc } = service({}, async () => Promise.reject(new Error('queue down')));
    await expect(
      svc.place(9, { productId: 99, quantity: 1 }, 'key-00004', 'r'),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      svc.place(9, { productId: 2, quantity: 1 }, 'key-00005', 'r'),
    ).rejects.toMatchObject({ status: 503, code: 'unavailable' });
  });

  it('does not swallow a data error from the database', async () => {
    const { svc } = service({
      findOwn: async () =>
        Promise.reject(Object.assign(new Error('bad'), { code: 'ER_PARSE_ERROR' })),
    });
    await expect(svc.place(9, { productId: 2, quantity: 1 }, 'key-00006', 'r')).rejects.toThrow(
      'bad',
    );
  });
});
