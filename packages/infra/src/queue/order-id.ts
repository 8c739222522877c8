import { v5 as uuidv5 } from 'uuid';

/** Order ids are UUIDv5 of (user, Idempotency-Key) in this namespace: a retry gets the same id. */
export const ORDER_ID_NAMESPACE = '3d1c8a52-6f0e-4f7b-9a6c-2b8e1d4c7f90';

/**
 * The id of the order a user places under an Idempotency-Key: minted by the API, the primary
 * key the processor writes exactly once, and what a client (or a test) can work out for itself.
 */
export function orderIdFor(userId: number, idempotencyKey: string): string {
  return uuidv5(`${userId}:${idempotencyKey}`, ORDER_ID_NAMESPACE);
}
