import { decodeOrderPlaced } from '@echobase/infra/queue';
import { describe, expect, it } from 'vitest';
import { INVALID_ORDER_REASON, invalidOrderBody, orderFor, SEEDED } from './index.js';

describe('order messages', () => {
  it('orderFor builds what the contract accepts, priced from the product', () => {
    const order = orderFor(7, SEEDED.chronoSyncUnit, 3);
    expect(decodeOrderPlaced(JSON.stringify(order))).toEqual({ ok: true, message: order });
    expect(order).toMatchObject({ userId: 7, productId: 5, quantity: 3, total: '974.25' });
    expect(orderFor(7).orderId).not.toBe(order.orderId);
  });

  it('invalidOrderBody is refused by the contract for the reason tests expect', () => {
    expect(decodeOrderPlaced(invalidOrderBody(orderFor(7)))).toEqual({
      ok: false,
      reason: INVALID_ORDER_REASON,
    });
  });
});
