import { isDatabaseUnavailable } from '@echobase/infra/db';
import { AppError } from '@echobase/infra/errors';
import type { Logger } from '@echobase/infra/logger';
import {
  fromCents,
  type OrderPlaced,
  orderFingerprint,
  orderIdFor,
  toCents,
} from '@echobase/infra/queue';
import type { Catalogue } from '../products/catalogue.js';
import type { OrderProducer } from './orders.queue.js';
import type { OrdersRepository } from './orders.repository.js';
import type { OrderView, PlaceOrderBody } from './orders.schemas.js';

export interface Accepted {
  orderId: string;
  status: OrderView['status'];
  replayed: boolean;
}

const DB_BEST_EFFORT_MS = 1000;

export function createOrdersService(deps: {
  catalogue: Catalogue;
  repo: OrdersRepository;
  producer: OrderProducer;
  logger: Logger;
  /** Told of every order accepted or answered again (metrics). */
  onAccepted?: (accepted: Accepted) => void;
}) {
  const { catalogue, repo, producer, logger } = deps;
  const told = (accepted: Accepted): Accepted => {
    deps.onAccepted?.(accepted);
    return accepted;
  };

  /**
   * Database work that helps but is not needed to accept an order: skipped (undefined) when
   * the database is unreachable or slow, so orders are accepted through an outage.
   */
  async function bestEffort<T>(
    what: string,
    requestId: string,
    work: () => Promise<T>,
  ): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), DB_BEST_EFFORT_MS);
    });
    try {
      const result = await Promise.race([work(), timeout]);
      if (result === undefined)
        logger.warn({ requestId, what }, 'database slow; accepting the order without it');
      return result;
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      logger.warn(
        { requestId, what, code: (error as { code?: string }).code },
        'database unavailable; accepting the order without it',
      );
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    /**
     * Accepts an order: reserve its row (when the database answers), then send its signed
     * message. Once the row is reserved the order is safe whatever the queue does: a message
     * that fails to send, or that the queue loses, is re-published from the row by the
     * processor. Without the database the message alone carries the order, and the processor
     * settles a clash of two bodies under one key (the first written wins; the other is
     * recorded as a conflict).
     */
    async place(
      userId: number,
      input: PlaceOrderBody,
      idempotencyKey: string,
      requestId: string,
    ): Promise<Accepted> {
      const product = catalogue.get(input.productId);
      if (!product)
        throw new AppError('unprocessable', `product ${input.productId} does not exist`);
      const orderId = orderIdFor(userId, idempotencyKey);
      const message: OrderPlaced = {
        type: 'order.placed',
        version: 2,
        orderId,
        userId,
        productId: product.id,
        productSku: product.sku,
        productName: product.name,
        unitPrice: product.price,
        quantity: input.quantity,
        total: fromCents(toCents(product.price) * input.quantity),
        idempotencyKey,
        fingerprint: orderFingerprint(input),
        requestId,
        placedAt: new Date().toISOString(),
      };

      const reservation = await bestEffort('reserve the order', requestId, () =>
        repo.reserve(message),
      );
      if (reservation?.outcome === 'exists') {
        if (reservation.fingerprint !== message.fingerprint) {
          throw new AppError(
            'idempotency_key_reused',
            'this Idempotency-Key was already used for a different order',
          );
        }
        return told({ orderId, status: reservation.status, replayed: true });
      }

      try {
        await producer.send(message);
      } catch (error) {
        if (reservation?.outcome === 'reserved') {
          logger.warn(
            { requestId, orderId, err: error },
            'cannot put the order on the queue; it is recorded and will be re-published',
          );
          return told({ orderId, status: 'queued', replayed: false });
        }
        logger.error({ requestId, err: error }, 'cannot put the order on the queue');
        throw new AppError(
          'unavailable',
          'the order could not be queued; retry with the same Idempotency-Key',
          { retryAfter: 1 },
        );
      }
      return told({ orderId, status: 'queued', replayed: false });
    },

    async get(userId: number, orderId: string): Promise<OrderView> {
      const order = await repo.findOwn(orderId, userId);
      // Someone else's order is "not found" too: its existence is not the caller's business.
      if (!order) throw new AppError('not_found', 'no such order');
      return order;
    },

    list(userId: number, page: number, pageSize: number) {
      return repo.listOwn(userId, page, pageSize);
    },
  };
}
export type OrdersService = ReturnType<typeof createOrdersService>;
