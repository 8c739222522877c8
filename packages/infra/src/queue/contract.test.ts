import { describe, expect, it } from 'vitest';
import {
  decodeOrderPlaced,
  encodeOrderPlaced,
  fromCents,
  ORDER_LIMITS,
  type OrderPlaced,
  orderFingerprint,
  toCents,
} from './contract.js';

const good: OrderPlaced = {
  type: 'order.placed',
  version: 2,
  orderId: '6f1c2f3e-8a4b-4c5d-9e6f-0a1b2c3d4e5f',
  userId: 7,
  productId: 2,
  productSku: 'PC-042',
  productName: 'Plasma Conduit',
  unitPrice: '89.50',
  quantity: 3,
  total: '268.50',
  idempotencyKey: 'key-00001',
  fingerprint: orderFingerprint({ productId: 2, quantity: 3 }),
  requestId: 'req-1',
  placedAt: '2026-11-22T10:00:00.000Z',
};

describe('order.placed v2', () => {
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
    ['an unknown version', JSON.stringify({ ...good, version: 3 }), 'unknown message version 3'],
    [
      'version 1 (never signed)',
      JSON.stringify({ ...good, version: 1, fingerprint: undefined }),
      'unknown message version 1',
    ],
    [
      'a quantity over the API limit (500 × 249.99)',
      JSON.stringify({ ...good, unitPrice: '249.99', quantity: 500, total: '124995.00' }),
      'invalid fields: quantity, fingerprint',
    ],
    [
      'a fingerprint of another order',
      JSON.stringify({ ...good, fingerprint: orderFingerprint({ productId: 2, quantity: 4 }) }),
      'invalid fields: fingerprint',
    ],
    [
      'an Idempotency-Key the API would refuse',
      JSON.stringify({ ...good, idempotencyKey: 'k' }),
      'invalid fields: idempotencyKey',
    ],
    [
      'a negative quantity',
      JSON.stringify({ ...good, quantity: -1 }),
      'invalid fields: quantity, total, fingerprint',
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

  it('holds the limits the API enforces: quantity 1 to 100', () => {
    expect(ORDER_LIMITS.quantity).toEqual({ min: 1, max: 100 });
    const at = (quantity: number) =>
      decodeOrderPlaced(
        JSON.stringify({
          ...good,
          quantity,
          total: fromCents(8950 * quantity),
          fingerprint: orderFingerprint({ productId: 2, quantity }),
        }),
      ).ok;
    expect([at(1), at(100), at(101), at(1000)]).toEqual([true, true, false, false]);
  });

  it('fingerprints the canonical order request, whatever the key order', () => {
    expect(orderFingerprint({ productId: 2, quantity: 3 })).toBe(
      // sha256('{"productId":2,"quantity":3}')
      'c823523d3f395fc0408d0789e108476497a396e3331cd58792802fd5fd8a8ecc',
    );
    const reordered = JSON.parse('{"quantity":3,"productId":2}') as {
      productId: number;
      quantity: number;
    };
    expect(orderFingerprint(reordered)).toBe(orderFingerprint({ productId: 2, quantity: 3 }));
    expect(orderFingerprint({ productId: 2, quantity: 4 })).not.toBe(
      orderFingerprint({ productId: 2, quantity: 3 }),
    );
  });

  it('does money in whole cents', () => {
    expect(toCents('89.50')).toBe(8950);
    expect(toCents('0.07')).toBe(7);
    expect(fromCents(8950 * 3)).toBe('268.50');
    expect(fromCents(5)).toBe('0.05');
  });
});
