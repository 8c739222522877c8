import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from '@echobase/infra/logger';
import { type OrderSigner, signedOrderMessage } from '@echobase/infra/queue';
import { untraced } from '@echobase/infra/tracing';
import { failureCode } from './failures.js';
import type { OrdersRepository, StaleOrder } from './orders.repository.js';

/**
 * Orders the API recorded as `queued` whose message never arrived (the queue lost it: the local
 * SQS endpoint keeps queues in memory; or the send failed after the row was written) are re-published from their
 * rows, signed, to this processor's own queue, and then consumed like any other. The order id
 * makes a re-published order idempotent: if the first message was only late, the second changes
 * nothing.
 *
 * The processor does it, not the API: it is the background worker that already holds the
 * database, the queue it consumes and the signing key; it pauses with the database and drains
 * on SIGTERM; and API replicas stay request-only. Every processor of every colour runs it: the
 * rows are claimed with SKIP LOCKED and marked, so two colours never send the same order twice
 * in one threshold, and any colour's processor completes any order (one database).
 */
export interface RepublishDeps {
  repository: Pick<OrdersRepository, 'claimStale' | 'returnAttempts'>;
  sqs: SQSClient;
  queueUrl: string;
  signer: OrderSigner;
  logger: Logger;
  /** An order queued this long (or this long since its last re-publish) is re-published. */
  afterMs: number;
  /** After this many re-publishes an order is left to an operator (`echobase status` shows it). */
  maxAttempts?: number;
  /** Orders claimed per pass. */
  limit?: number;
}

export const MAX_REPUBLISHES = 5;
/** Orders claimed per pass unless `limit` says otherwise. */
export const REPUBLISH_LIMIT = 50;
/** Passes in one go, at most: a backlog of thousands is sent on without holding the loop. */
export const BACKLOG_PASSES = 20;

/** One pass: claims stale orders and sends their messages again. Returns how many were sent. */
export async function republishStale(deps: RepublishDeps): Promise<number> {
  const maxAttempts = deps.maxAttempts ?? MAX_REPUBLISHES;
  const stale = await deps.repository.claimStale(
    deps.afterMs,
    deps.limit ?? REPUBLISH_LIMIT,
    maxAttempts,
  );
  let sent = 0;
  for (let start = 0; start < stale.length; start += 10) {
    const chunk = stale.slice(start, start + 10);
    const entries: SendMessageBatchRequestEntry[] = [];
    for (const [index, { order }] of chunk.entries()) {
      try {
        entries.push({ Id: String(index), ...signedOrderMessage(order, deps.signer) });
      } catch {
        // A row the contract refuses (written by hand?): re-sending cannot help.
        deps.logger.error(
          { orderId: order.orderId, requestId: order.requestId },
          'a queued order does not make a valid message: not re-published; left for an operator',
        );
      }
    }
    if (entries.length === 0) continue;
    const out = await untraced(() =>
      deps.sqs.send(new SendMessageBatchCommand({ QueueUrl: deps.queueUrl, Entries: entries })),
    ).catch((error: unknown) => {
      deps.logger.warn(
        { code: failureCode(error), orders: entries.length },
        'cannot re-publish queued orders now; tried again after the threshold',
      );
      return undefined;
    });
    for (const ok of out?.Successful ?? []) {
      const { order, attempt } = chunk[Number(ok.Id)] as StaleOrder;
      sent += 1;
      deps.logger.warn(
        {
          orderId: order.orderId,
          requestId: order.requestId,
          attempt,
          ...(attempt >= maxAttempts ? { last: true } : {}),
        },
        'order still queued: message re-published',
      );
    }
    const unsent: string[] = [];
    if (out === undefined)
      for (const entry of entries)
        unsent.push((chunk[Number(entry.Id)] as StaleOrder).order.orderId);
    for (const failed of out?.Failed ?? []) {
      const { order } = chunk[Number(failed.Id)] as StaleOrder;
      unsent.push(order.orderId);
      deps.logger.warn(
        { orderId: order.orderId, code: failed.Code },
        'cannot re-publish a queued order now; tried again after the threshold',
      );
    }
    // A send that never reached the queue does not use up one of the order's attempts: an
    // endpoint that is away for longer than MAX_REPUBLISHES thresholds must not strand it.
    await deps.repository.returnAttempts(unsent).catch((error: unknown) => {
      deps.logger.warn(
        { code: failureCode(error), orders: unsent.length },
        'cannot give back the attempts of unsent orders',
      );
    });
  }
  return sent;
}

/**
 * Passes one after another while each sends a full batch: after the SQS endpoint lost a queue
 * under load, hundreds of orders are stale at once, and one pass of 50 per wake-up would take
 * minutes to send them all. Stops at the first pass that sends less (nothing left, or the
 * endpoint refusing), when `running()` turns false, or after BACKLOG_PASSES. Returns how many
 * were sent.
 */
export async function republishBacklog(
  deps: RepublishDeps,
  running: () => boolean = () => true,
): Promise<number> {
  const limit = deps.limit ?? REPUBLISH_LIMIT;
  let total = 0;
  for (let pass = 0; pass < BACKLOG_PASSES && running(); pass++) {
    const sent = await republishStale(deps);
    total += sent;
    if (sent < limit) break;
  }
  return total;
}
