import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ORDER_LIMITS } from './limits.js';

/**
 * The order message: the contract between the API gateway (producer) and the order processor
 * (consumer). Versioned: a consumer reads every version it knows and rejects the rest, so a
 * new producer can ship before or after its consumer during a blue/green switch.
 *
 * Version 2 added `fingerprint` and came with signed messages (./signing.ts). Version 1 is no
 * longer read: it was never signed, so accepting it would let anyone who can reach the queue
 * place orders. A v1 order the old API had also recorded as `queued` is not lost: it is
 * re-published from its row, signed, as v2.
 */

/** What a client may order: defined in ./limits.ts, which the frontend bundles too. */
export { ORDER_LIMITS };

/** The part of an order the client chose: what an Idempotency-Key is bound to. */
export interface OrderRequest {
  productId: number;
  quantity: number;
}

/**
 * SHA-256 (hex) of the canonical JSON of what the client asked for (keys in a fixed order).
 * Two requests under one Idempotency-Key are the same order only if their fingerprints match.
 */
export function orderFingerprint(request: OrderRequest): string {
  const canonical = JSON.stringify({ productId: request.productId, quantity: request.quantity });
  return createHash('sha256').update(canonical).digest('hex');
}

const money = (digits: number) =>
  z
    .string()
    .regex(new RegExp(`^\\d{1,${digits}}\\.\\d{2}$`), 'must be a decimal amount with 2 places');

export const orderPlacedV2 = z
  .object({
    type: z.literal('order.placed'),
    version: z.literal(2),
    orderId: z.uuid(),
    userId: z.number().int().positive(),
    productId: z.number().int().positive().max(ORDER_LIMITS.productIdMax),
    productSku: z.string().min(1).max(32),
    productName: z.string().min(1).max(200),
    /** What the API quoted; the processor prices the order from `products` again. */
    unitPrice: money(8),
    quantity: z.number().int().min(ORDER_LIMITS.quantity.min).max(ORDER_LIMITS.quantity.max),
    total: money(10),
    idempotencyKey: z.string().regex(ORDER_LIMITS.idempotencyKey),
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    requestId: z.string().min(1).max(128),
    placedAt: z.iso.datetime(),
  })
  .strict()
  .refine((m) => toCents(m.unitPrice) * m.quantity === toCents(m.total), {
    message: 'total must equal unitPrice × quantity',
    path: ['total'],
  })
  .refine((m) => m.fingerprint === orderFingerprint(m), {
    message: 'fingerprint must be that of productId and quantity',
    path: ['fingerprint'],
  });

export type OrderPlaced = z.infer<typeof orderPlacedV2>;

/** Money as whole cents, so sums never meet a float. */
export function toCents(amount: string): number {
  const [units = '0', cents = '00'] = amount.split('.');
  return Number(units) * 100 + Number(cents.padEnd(2, '0').slice(0, 2));
}

export function fromCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** The message body: also exactly the bytes its signature covers. */
export function encodeOrderPlaced(message: OrderPlaced): string {
  return JSON.stringify(orderPlacedV2.parse(message));
}

export type Decoded = { ok: true; message: OrderPlaced } | { ok: false; reason: string };

/** Reads a queue message body; never throws. `reason` names the fields, never their values. */
export function decodeOrderPlaced(body: string | undefined): Decoded {
  if (body === undefined) return { ok: false, reason: 'empty body' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const version = (parsed as { version?: unknown } | null)?.version;
  if (version !== 2)
    return { ok: false, reason: `unknown message version ${JSON.stringify(version ?? null)}` };
  const result = orderPlacedV2.safeParse(parsed);
  if (result.success) return { ok: true, message: result.data };
  const fields = [...new Set(result.error.issues.map((i) => i.path.join('.') || '(root)'))];
  return { ok: false, reason: `invalid fields: ${fields.join(', ')}` };
}
