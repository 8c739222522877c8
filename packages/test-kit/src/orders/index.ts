import { randomUUID } from 'node:crypto';
import { fromCents, type OrderPlaced, orderFingerprint, toCents } from '@echobase/infra/queue';

export interface Product {
  id: number;
  sku: string;
  name: string;
  price: string;
}

/** Products of the seeded catalogue (migration 0002_seed_catalogue.sql), by what tests call them. */
export const SEEDED = {
  quantumStabilizer: { id: 1, sku: 'QS-001', name: 'Quantum Stabilizer', price: '249.99' },
  plasmaConduit: { id: 2, sku: 'PC-042', name: 'Plasma Conduit', price: '89.50' },
  chronoSyncUnit: { id: 5, sku: 'CSU-088', name: 'Chrono Sync Unit', price: '324.75' },
  keyboard: { id: 7, sku: 'KB-202', name: 'Keyboard', price: '49.99' },
} as const satisfies Record<string, Product>;

/**
 * A valid order message, as the API builds it: `quantity` of `product` at its price, for
 * `userId`, with a fresh order id, Idempotency-Key and request id. Placed 5 s ago, so a row
 * that keeps the message's time is told apart from one stamped when it was written.
 */
export function orderFor(
  userId: number,
  product: Product = SEEDED.plasmaConduit,
  quantity = 2,
): OrderPlaced {
  return {
    type: 'order.placed',
    version: 2,
    orderId: randomUUID(),
    userId,
    productId: product.id,
    productSku: product.sku,
    productName: product.name,
    unitPrice: product.price,
    quantity,
    total: fromCents(toCents(product.price) * quantity),
    idempotencyKey: randomUUID(),
    fingerprint: orderFingerprint({ productId: product.id, quantity }),
    requestId: `req-${randomUUID()}`,
    placedAt: new Date(Math.floor(Date.now() / 1000) * 1000 - 5_000).toISOString(),
  };
}

/** The reason the processor and `echobase dlq` give for `invalidOrderBody`. */
export const INVALID_ORDER_REASON = 'invalid fields: quantity, total, fingerprint';

/** Valid JSON of the right version with wrong content: quantity out of range, total wrong. */
export function invalidOrderBody(order: OrderPlaced): string {
  return JSON.stringify({ ...order, quantity: 0, total: '1.00' });
}
