import type { Message } from '@aws-sdk/client-sqs';
import type { Logger } from '@echobase/infra/logger';
import { decodeOrderPlaced, type OrderPlaced } from '@echobase/infra/queue';
import { classifyFailure, failureCode } from './failures.js';
import type { OrdersRepository } from './orders.repository.js';

export interface BatchDeps {
  repository: Pick<OrdersRepository, 'productStates' | 'recordOrder'>;
  logger: Logger;
  /** Runs right after an order's write commits, before its message is deleted (test hook). */
  afterWrite?: ((order: OrderPlaced) => void) | undefined;
}

export interface BatchCounts {
  /** Orders written as completed. */
  completed: number;
  /** Orders written as failed: their product is missing or no longer sold. */
  failed: number;
  /** Messages that are not a valid order: left for the dead-letter queue. */
  poison: number;
  /** Valid orders the database refused: left for redelivery, then the dead-letter queue. */
  rejected: number;
}

export interface BatchResult {
  /** Messages whose orders have committed: the only ones to delete. */
  done: Message[];
  /** Set when the database could not be reached; the rest of the batch was not attempted. */
  unavailable?: unknown;
  counts: BatchCounts;
}

/** A request id from a body that failed validation, if it holds a plausible one. */
function requestIdOf(body: string | undefined): string | undefined {
  try {
    const value = (JSON.parse(body ?? '') as { requestId?: unknown } | null)?.requestId;
    return typeof value === 'string' && /^[\w.:-]{1,128}$/.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function receiveCount(message: Message): number | undefined {
  const count = Number(message.Attributes?.ApproximateReceiveCount);
  return Number.isInteger(count) && count > 0 ? count : undefined;
}

/**
 * Handles one batch: validates every message against the versioned contract, writes each valid
 * order exactly once, and returns the messages that may be deleted. Never throws.
 *
 * - poison (fails validation): logged with the fields at fault, never their values, and left
 *   alone so the queue's redrive policy moves it to the DLQ after three receives.
 * - valid, product missing or inactive: written as `failed`, so its owner sees it failed.
 * - the database refuses the row (data error): logged, left for redelivery and then the DLQ.
 * - the database is unreachable: the rest of the batch is not attempted and `unavailable` is
 *   set; the caller pauses consumption. Orders already committed are still returned.
 */
export async function processBatch(
  messages: readonly Message[],
  deps: BatchDeps,
): Promise<BatchResult> {
  const counts: BatchCounts = { completed: 0, failed: 0, poison: 0, rejected: 0 };
  const done: Message[] = [];
  const valid: { message: Message; order: OrderPlaced; log: Logger }[] = [];

  for (const message of messages) {
    const decoded = decodeOrderPlaced(message.Body);
    if (!decoded.ok) {
      counts.poison += 1;
      deps.logger.warn(
        {
          messageId: message.MessageId,
          requestId: requestIdOf(message.Body),
          receiveCount: receiveCount(message),
          reason: decoded.reason,
        },
        'invalid order message: not written; left for the dead-letter queue',
      );
      continue;
    }
    const order = decoded.message;
    valid.push({
      message,
      order,
      log: deps.logger.child({
        requestId: order.requestId,
        orderId: order.orderId,
        messageId: message.MessageId,
        receiveCount: receiveCount(message),
      }),
    });
  }
  if (valid.length === 0) return { done, counts };

  let products: Map<number, boolean>;
  try {
    products = await deps.repository.productStates([
      ...new Set(valid.map((v) => v.order.productId)),
    ]);
  } catch (error) {
    if (classifyFailure(error) === 'db-unavailable') return { done, counts, unavailable: error };
    for (const { log } of valid) {
      log.error(
        { code: failureCode(error) },
        'cannot read the catalogue: order left for redelivery',
      );
    }
    counts.rejected += valid.length;
    return { done, counts };
  }

  for (const [index, { message, order, log }] of valid.entries()) {
    const active = products.get(order.productId);
    const status = active === true ? 'completed' : 'failed';
    try {
      const outcome = await deps.repository.recordOrder(order, status);
      deps.afterWrite?.(order);
      done.push(message);
      counts[status] += 1;
      if (status === 'failed') {
        log.warn(
          { status, outcome, productId: order.productId },
          active === undefined
            ? 'order recorded as failed: the product does not exist'
            : 'order recorded as failed: the product is no longer sold',
        );
      } else {
        log.info({ status, outcome }, 'order recorded');
      }
    } catch (error) {
      if (classifyFailure(error) === 'db-unavailable') {
        log.warn({ code: failureCode(error) }, 'database unavailable: order left for redelivery');
        for (const rest of valid.slice(index + 1)) {
          rest.log.warn('database unavailable: order left for redelivery');
        }
        return { done, counts, unavailable: error };
      }
      counts.rejected += 1;
      log.error(
        { code: failureCode(error), productId: order.productId, userId: order.userId },
        'the database refused the order: left for redelivery, then the dead-letter queue',
      );
    }
  }
  return { done, counts };
}
