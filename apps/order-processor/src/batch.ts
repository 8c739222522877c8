import type { Message } from '@aws-sdk/client-sqs';
import type { Logger } from '@echobase/infra/logger';
import {
  decodeOrderPlaced,
  type OrderPlaced,
  type OrderSigner,
  type ReloadingSigner,
  UNKNOWN_KEY,
  type Verified,
} from '@echobase/infra/queue';
import { forBatch, type Processing, processed, processing } from '@echobase/infra/tracing';
import { classifyFailure, failureCode } from './failures.js';
import type {
  CatalogueEntry,
  OrdersRepository,
  RecordedStatus,
  RecordOutcome,
} from './orders.repository.js';

export interface BatchDeps {
  repository: Pick<OrdersRepository, 'products' | 'recordOrders'>;
  /**
   * Checks each message's signature before anything else is read from it. With `reload`, a
   * message signed with a key it does not know makes it read the keys again first (a rotation
   * since this process started), at most once per batch.
   */
  signer: Pick<OrderSigner, 'verify'> & Partial<Pick<ReloadingSigner, 'reload'>>;
  logger: Logger;
  /** The queue's name, for the spans of its messages ('orders' when not given). */
  queueName?: string;
  /** Runs right after an order's write commits, before its message is deleted (test hook). */
  afterWrite?: ((order: OrderPlaced) => void) | undefined;
}

export interface BatchCounts {
  /** Orders written as completed. */
  completed: number;
  /** Orders written as failed: their product is no longer sold. */
  failed: number;
  /** Second bodies under an order id already taken by another: recorded in order_conflicts. */
  conflicts: number;
  /** Messages not signed with the order signing key: never read, left for the DLQ. */
  unauthenticated: number;
  /** Messages that are not a valid order: left for the dead-letter queue. */
  poison: number;
  /**
   * Valid orders that cannot be written (their product does not exist, or the database refused
   * the row): left for redelivery, then the dead-letter queue.
   */
  rejected: number;
}

export function emptyCounts(): BatchCounts {
  return { completed: 0, failed: 0, conflicts: 0, unauthenticated: 0, poison: 0, rejected: 0 };
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
 * Handles one batch: checks every message's signature, validates it against the versioned
 * contract, prices each order from `products` and writes the batch's orders exactly once in one
 * transaction, and returns the messages that may be deleted. Never throws.
 *
 * - not signed with the order signing key: logged (why, never what it claims), never read
 *   further, and left alone so the queue's redrive policy moves it to the DLQ after three
 *   receives. Whoever can reach the queue cannot place an order.
 * - poison (fails validation): logged with the fields at fault, never their values; left for
 *   the DLQ the same way.
 * - valid, product missing: there is no price and the row's foreign key refuses it: logged and
 *   left for the DLQ, where an operator sees it.
 * - valid, product no longer sold: written as `failed`, so its owner sees it failed.
 * - another body already written under its order id: recorded as a conflict; the first stands.
 * - the database refuses the batch (a data error in one row): each order is written alone; the
 *   one refused is logged and left for redelivery, then the DLQ.
 * - the database is unreachable: what is not committed is not attempted further and
 *   `unavailable` is set; the caller pauses consumption. Orders already committed are returned.
 */
export async function processBatch(
  messages: readonly Message[],
  deps: BatchDeps,
): Promise<BatchResult> {
  const counts = emptyCounts();
  const done: Message[] = [];
  const valid: ValidMessage[] = [];

  const verify = (m: Message) => deps.signer.verify(m.Body, m.MessageAttributes);
  let verdicts: Verified[] = messages.map(verify);
  const unknownKey = (v: Verified) => !v.ok && v.reason === UNKNOWN_KEY;
  if (verdicts.some(unknownKey) && deps.signer.reload && (await deps.signer.reload())) {
    deps.logger.info('the order signing keys changed since the start: reloaded');
    verdicts = messages.map(verify);
  }

  for (const [index, message] of messages.entries()) {
    const verified = verdicts[index] as Verified;
    if (!verified.ok) {
      counts.unauthenticated += 1;
      deps.logger.warn(
        {
          messageId: message.MessageId,
          receiveCount: receiveCount(message),
          reason: verified.reason,
        },
        'order message not authenticated: not written; left for the dead-letter queue',
      );
      continue;
    }
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
    // The order's span, a child of the request that placed it; its lines carry its trace id.
    const trace = processing(deps.queueName ?? 'orders', message, order.orderId);
    valid.push({
      message,
      order,
      trace,
      log: deps.logger.child({
        requestId: order.requestId,
        orderId: order.orderId,
        messageId: message.MessageId,
        receiveCount: receiveCount(message),
        ...trace.ids,
      }),
    });
  }
  if (valid.length === 0) return { done, counts };
  try {
    return await handleValid(valid, deps, counts, done);
  } finally {
    const written = new Set(done);
    for (const { message, trace } of valid)
      processed(trace, written.has(message) ? undefined : 'not written');
  }
}

/** A message that is signed and a valid order: its order, its lines' logger and its span. */
interface ValidMessage {
  message: Message;
  order: OrderPlaced;
  log: Logger;
  trace: Processing;
}

/** The valid orders of a batch: priced, written in one transaction, counted and logged. */
async function handleValid(
  valid: ValidMessage[],
  deps: BatchDeps,
  counts: BatchCounts,
  done: Message[],
): Promise<BatchResult> {
  let products: Awaited<ReturnType<BatchDeps['repository']['products']>>;
  try {
    products = await deps.repository.products([...new Set(valid.map((v) => v.order.productId))]);
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

  const writes: (ValidMessage & { status: RecordedStatus; product: CatalogueEntry })[] = [];
  for (const { message, order, log, trace } of valid) {
    const product = products.get(order.productId);
    if (!product) {
      counts.rejected += 1;
      log.error(
        { productId: order.productId },
        'order for a product that does not exist: not written; left for the dead-letter queue',
      );
      continue;
    }
    writes.push({
      message,
      order,
      log,
      trace,
      status: product.active ? 'completed' : 'failed',
      product,
    });
  }
  if (writes.length === 0) return { done, counts };

  /** After its commit: the message may go, and the order is counted and logged. */
  const committed = (write: (typeof writes)[number], outcome: RecordOutcome) => {
    const { message, order, log, status, product } = write;
    deps.afterWrite?.(order);
    done.push(message);
    if (outcome === 'conflict') {
      counts.conflicts += 1;
      log.warn(
        { productId: order.productId, quantity: order.quantity },
        'Idempotency-Key reused for a different order: recorded as a conflict; the first order stands',
      );
      return;
    }
    counts[status] += 1;
    // The message's price is what the API quoted; the catalogue's is what is recorded.
    const repriced = product.price !== order.unitPrice ? { repriced: true } : {};
    if (status === 'failed') {
      log.warn(
        { status, outcome, productId: order.productId },
        'order recorded as failed: the product is no longer sold',
      );
    } else {
      log.info({ status, outcome, ...repriced }, 'order recorded');
    }
  };
  const unavailable = (error: unknown, left: typeof writes) => {
    for (const { log } of left) {
      log.warn({ code: failureCode(error) }, 'database unavailable: order left for redelivery');
    }
    return { done, counts, unavailable: error };
  };

  // The batch in one transaction: one commit for all its orders.
  try {
    const outcomes = await forBatch(
      deps.queueName ?? 'orders',
      writes.map((w) => w.trace),
      () => deps.repository.recordOrders(writes),
    );
    for (const [index, write] of writes.entries()) committed(write, outcomes[index] ?? 'recorded');
    return { done, counts };
  } catch (error) {
    if (classifyFailure(error) === 'db-unavailable') return unavailable(error, writes);
  }

  // The database refused the batch: each order alone, so one bad row holds back no other.
  for (const [index, write] of writes.entries()) {
    try {
      const [outcome] = await forBatch(deps.queueName ?? 'orders', [write.trace], () =>
        deps.repository.recordOrders([write]),
      );
      committed(write, outcome ?? 'recorded');
    } catch (error) {
      if (classifyFailure(error) === 'db-unavailable')
        return unavailable(error, writes.slice(index));
      counts.rejected += 1;
      write.log.error(
        { code: failureCode(error), productId: write.order.productId, userId: write.order.userId },
        'the database refused the order: left for redelivery, then the dead-letter queue',
      );
    }
  }
  return { done, counts };
}
