import { describe, expect, it } from 'vitest';
import {
  decodeOrderPlaced,
  encodeOrderPlaced,
  fromCents,
  type OrderPlaced,
  toCents,
} from './contract.js';

const good: OrderPlaced = {
  type: 'order.placed',
  version: 1,
  orderId: '6f1c2f3e-8a4b-4c5d-9e6f-0a1b2c3d4e5f',
  userId: 7,
  productId: 2,
  productSku: 'PC-042',
  productName: 'Plasma Conduit',
  unitPrice: '89.50',
  quantity: 3,
  total: '268.50',
  idempotencyKey: 'key-1',
  requestId: 'req-1',
  placedAt: '2026-11-22T10:00:00.000Z',
};

describe('order.placed v1', () => {
  it('round-trips through encode and decode', () => {
    expect(decodeOrderPlaced(encodeOrderPlaced(good))).toEqual({ ok: true, message: good });
  });

  it('refuses to encode a message that breaks the contract', () => {
    expect(() => encodeOrderPlaced({ ...good, total: '1.00' })).toThrow(/total must equal/);
  });

  it.each([
    ['an empty body', undefined, 'empty body'],
    ['not JSON', '{"version":1', 'body is not JSON'],
    ['null', 'null', 'unknown message version null'],
    ['an unknown version', JSON.stringify({ ...good, version: 2 }), 'unknown message version 2'],
    [
      'a negative quantity',
      JSON.stringify({ ...good, quantity: -1 }),
      'invalid fields: quantity, total',
    ],
    [
      'a price without cents',
      JSON.stringify({ ...good, unitPrice: '89.5' }),
      'invalid fields: unitPrice',
    ],
    ['a wrong total', JSON.stringify({ ...good, total: '0.01' }), 'invalid fields: total'],
    [
      'a bad order id',
      JSON.stringify({ ...good, orderId: "1' OR '1'='1" }),
      'invalid fields: orderId',
    ],
    ['an extra field', JSON.stringify({ ...good, admin: true }), 'invalid fields: (root)'],
    ['a missing field', JSON.stringify({ ...good, userId: undefined }), 'invalid fields: userId'],
  ])('rejects %s with a reason that names fields, not values', (_name, body, reason) => {
    expect(decodeOrderPlaced(body)).toEqual({ ok: false, reason });
  });

  it('does money in whole cents', () => {
    expect(toCents('89.50')).toBe(8950);
    expect(toCents('0.07')).toBe(7);
    expect(fromCents(8950 * 3)).toBe('268.50');
    expect(fromCents(5)).toBe('0.05');
  });
});
