import { ORDER_LIMITS } from '@echobase/infra/queue';
import { z } from 'zod';

// The limits are the queue contract's, so the processor refuses whatever the API would.
const { quantity } = ORDER_LIMITS;

export const placeOrderBody = z
  .object({
    productId: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .positive('must be positive')
      .max(ORDER_LIMITS.productIdMax, 'is too large'),
    quantity: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(quantity.min, `must be at least ${quantity.min}`)
      .max(quantity.max, `must be at most ${quantity.max}`),
  })
  .strict();
export type PlaceOrderBody = z.infer<typeof placeOrderBody>;

/** Chosen by the client, one per order it means to place: a retry sends the same one. */
export const idempotencyKeyHeader = z.object({
  'idempotency-key': z
    .string({ error: 'is required' })
    .regex(ORDER_LIMITS.idempotencyKey, 'must be 8–128 letters, digits or _ . : -'),
});

export const orderIdParams = z
  .object({ id: z.uuid({ error: 'must be an order id (UUID)' }) })
  .strict();

export const ORDER_STATUSES = ['queued', 'completed', 'failed'] as const;

export const acceptedResponse = z.object({ orderId: z.uuid(), status: z.enum(ORDER_STATUSES) });

export const orderResponse = z.object({
  orderId: z.uuid(),
  productId: z.number().int(),
  productSku: z.string(),
  productName: z.string(),
  unitPrice: z.string(),
  quantity: z.number().int(),
  total: z.string(),
  status: z.enum(ORDER_STATUSES),
  createdAt: z.iso.datetime(),
});
export type OrderView = z.infer<typeof orderResponse>;

export const orderPage = z.object({
  items: z.array(orderResponse),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});
