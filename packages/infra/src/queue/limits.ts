/**
 * What a client may order, enforced twice from this one definition: by the API on the request
 * and by the processor on the message; the frontend checks the same before it sends anything.
 * This file imports nothing, so the frontend bundles it (`@echobase/infra/order-limits`)
 * without any of the server code around it.
 */
export const ORDER_LIMITS = {
  quantity: { min: 1, max: 100 },
  /** products.id is INT UNSIGNED; the API takes ids up to the largest signed INT. */
  productIdMax: 2_147_483_647,
  /** Chosen by the client, one per order it means to place: a retry sends the same one. */
  idempotencyKey: /^[A-Za-z0-9_.:-]{8,128}$/,
} as const;
