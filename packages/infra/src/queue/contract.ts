import { z } from 'zod';

/**
 * The order message: the contract between the API gateway (producer) and the order processor
 * (consumer). Versioned: a consumer reads every version it knows and rejects the rest, so a
 * new producer can ship before or after its consumer during a blue/green switch.
 */

const money = (digits: number) =>
  z
    .string()
    .regex(new RegExp(`^\\d{1,${digits}}\\.\\d{2}$`), 'must be a decimal amount with 2 places');

export const orderPlacedV1 = z
  .object({
    type: z.literal('order.placed'),
    version: z.literal(1),
    orderId: z.uuid(),
    userId: z.number().int().positive(),
    productId: z.number().int().positive(),
    productSku: z.string().min(1).max(32),
    productName: z.string().min(1).max(200),
    unitPrice: money(8),
    quantity: z.number().int().min(1).max(1000),
    total: money(10),
    idempotencyKey: z.string().min(1).max(128),
    requestId: z.string().min(1).max(128),
    placedAt: z.iso.datetime(),
  })
  .strict()
  .refine((m) => toCents(m.unitPrice) * m.quantity === toCents(m.total), {
    message: 'total must equal unitPrice × quantity',
    path: ['total'],
  });

export type OrderPlaced = z.infer<typeof orderPlacedV1>;

/** Money as whole cents, so sums never meet a float. */
export function toCents(amount: string): number {
  const [units = '0', cents = '00'] = amount.split('.');
  return Number(units) * 100 + Number(cents.padEnd(2, '0').slice(0, 2));
}

export function fromCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

export function encodeOrderPlaced(message: OrderPlaced): string {
  return JSON.stringify(orderPlacedV1.parse(message));
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
  if (version !== 1)
    return { ok: false, reason: `unknown message version ${JSON.stringify(version ?? null)}` };
  const result = orderPlacedV1.safeParse(parsed);
  if (result.success) return { ok: true, message: result.data };
  const fields = [...new Set(result.error.issues.map((i) => i.path.join('.') || '(root)'))];
  return { ok: false, reason: `invalid fields: ${fields.join(', ')}` };
}
