import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import type { Logger } from '@echobase/infra/logger';
import {
  KEY_ID_ATTRIBUTE,
  type OrderPlaced,
  type OrderSigner,
  type ReloadingSigner,
  SIGNATURE_ATTRIBUTE,
} from '@echobase/infra/queue';
import { traceAttributeNames } from '@echobase/infra/tracing';
import { Consumer } from 'sqs-consumer';
import { type BatchCounts, emptyCounts, processBatch } from './batch.js';
import { classifyFailure, failureCode } from './failures.js';
import type { ProcessorMetrics } from './metrics.js';
import { createOrdersRepository, type OrdersRepository } from './orders.repository.js';
import { republishBacklog } from './republish.js';

export interface ProcessorDeps {
  sqs: SQSClient;
  queueUrl: string;
  pool: Pool;
  logger: Logger;
  /**
   * Verifies every message, and signs the ones re-published from their rows. A reloading
   * signer (`reloadingSigner`) follows a key rotation without a restart.
   */
  signer: OrderSigner & Partial<Pick<ReloadingSigner, 'reload'>>;
  /** An order still `queued` this long is re-published from its row; 60 s when omitted. */
  republishAfterMs?: number;
  /** Defaults to the SQL repository over `pool`. */
  repository?: OrdersRepository;
  /** First wait before re-checking the database while paused; doubles up to the max. */
  pauseInitialBackoffMs?: number;
  pauseMaxBackoffMs?: number;
  /** Long-poll wait of each receive, in seconds (SQS allows 0–20). */
  waitTimeSeconds?: number;
  /**
   * Poll loops on the queue (DEFAULT_POLLERS when omitted): while one loop writes its batch to
   * the database, the other receives or deletes, so neither waits on the other.
   */
  pollers?: number;
  /**
   * Called when the queue does not exist any more (an emulator that lost its state on a
   * restart): recreates it and its DLQ, so consumption and re-publishing carry on. Omitted
   * on AWS, where queues do not vanish and the processor needs no right to create them.
   */
  recreateQueue?: (() => Promise<unknown>) | undefined;
  /** Runs right after an order's write commits, before its message is deleted (test hook). */
  afterWrite?: ((order: OrderPlaced) => void) | undefined;
  /** Times each batch (metrics.ts). */
  metrics?: Pick<ProcessorMetrics, 'startBatch'> | undefined;
}

/**
 * idle → running ⇄ paused (database outage) → stopping → stopped. Only `running` polls the
 * queue.
 */
export type ProcessorState = 'idle' | 'running' | 'paused' | 'stopping' | 'stopped';

export interface ProcessorStatus {
  state: ProcessorState;
  /** Why the processor is paused; set only while paused. */
  reason?: string;
  /** When the current state began (ISO 8601). */
  since: string;
  /** Messages received and not yet deleted or held, across the poll loops. */
  inFlight: number;
  totals: BatchCounts & { republished: number };
}

export interface Processor {
  /** Starts consuming; starts paused if the database is unreachable. */
  start(): Promise<void>;
  /** Stops polling at once, lets the in-flight batch finish (writes and deletes), then resolves. */
  stop(): Promise<void>;
  status(): ProcessorStatus;
  /** Rejects unless the database answers `SELECT 1` within `timeoutMs`. */
  checkDatabase(timeoutMs?: number): Promise<void>;
}

/** Poll loops per processor unless `pollers` says otherwise. */
export const DEFAULT_POLLERS = 2;

/** Polls a condition; the processor's waits are short and bounded by what they wait for. */
async function until(condition: () => boolean, intervalMs = 20): Promise<void> {
  while (!condition()) await sleep(intervalMs);
}

/**
 * The SQS consumer: `pollers` loops long-poll batches of up to 10 and hand them to
 * `processBatch`; only the messages it returns are deleted. Never reads env, never listens:
 * `main.ts` wires it.
 */
export function createProcessor(deps: ProcessorDeps): Processor {
  const repository = deps.repository ?? createOrdersRepository(deps.pool);
  const initialBackoff = deps.pauseInitialBackoffMs ?? 250;
  const maxBackoff = Math.max(initialBackoff, deps.pauseMaxBackoffMs ?? 5_000);
  const queue = deps.queueUrl.slice(deps.queueUrl.lastIndexOf('/') + 1);
  const logger = deps.logger.child({ queue });

  let state: ProcessorState = 'idle';
  let since = new Date();
  let reason: string | undefined;
  let queueFailing = false;
  let recreating = false;
  /** Messages received but not handled because the database went away: released on resume. */
  let held: Message[] = [];
  let pausedAt = 0;
  let pauseAbort = new AbortController();
  let waiting: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  const totals = { ...emptyCounts(), republished: 0 };
  const republishAfterMs = deps.republishAfterMs ?? 60_000;
  let republishTimer: NodeJS.Timeout | undefined;
  let republishing: Promise<void> = Promise.resolve();

  function setState(next: ProcessorState, why?: string) {
    state = next;
    reason = why;
    since = new Date();
  }

  async function handleMessageBatch(
    loop: { inFlight: number },
    messages: Message[],
  ): Promise<Message[]> {
    if (state !== 'running' && state !== 'stopping') {
      // Received as the processor paused: held, and released when it resumes. (A batch brought
      // by the last poll of a stop is handled like any other: that is what "finish in-flight"
      // means.)
      logger.debug({ count: messages.length, state }, 'batch received while paused; held');
      held.push(...messages);
      return [];
    }
    loop.inFlight = messages.length;
    const timed = deps.metrics?.startBatch();
    const result = await processBatch(messages, {
      repository,
      signer: deps.signer,
      logger,
      queueName: queue,
      afterWrite: deps.afterWrite,
    });
    timed?.();
    for (const key of Object.keys(result.counts) as (keyof BatchCounts)[])
      totals[key] += result.counts[key];
    if (result.unavailable !== undefined) {
      const done = new Set(result.done);
      held.push(...messages.filter((m) => !done.has(m)));
      pause(result.unavailable);
    }
    return result.done;
  }

  /** One sqs-consumer per poll loop, all handing their batches to `handleMessageBatch`. */
  const loops = Array.from({ length: Math.max(1, deps.pollers ?? DEFAULT_POLLERS) }, () => {
    const loop = { inFlight: 0 };
    const consumer = Consumer.create({
      queueUrl: deps.queueUrl,
      sqs: deps.sqs,
      batchSize: 10,
      // Short enough that a stop waits at most this long for the poll in progress.
      waitTimeSeconds: deps.waitTimeSeconds ?? 5,
      messageSystemAttributeNames: ['ApproximateReceiveCount'],
      // The signature, and the trace context of the request that placed the order.
      messageAttributeNames: [SIGNATURE_ATTRIBUTE, KEY_ID_ATTRIBUTE, ...traceAttributeNames()],
      handleMessageBatch: (messages) => handleMessageBatch(loop, messages),
      strictReturn: true,
      // sqs-consumer waits this long after a missing queue (10 s by default, for credentials
      // trouble on AWS); where the queue is recreated, the next poll should find it at once.
      ...(deps.recreateQueue ? { authenticationErrorTimeout: 1_000 } : {}),
    });
    consumer.on('response_processed', () => {
      loop.inFlight = 0;
      queueBack();
    });
    consumer.on('empty', queueBack);
    consumer.on('error', onError);
    return { consumer, loop };
  });
  const startPolling = () => {
    for (const { consumer } of loops) consumer.start();
  };
  const stopPolling = () => {
    for (const { consumer } of loops) consumer.stop();
  };
  const polling = () => loops.some(({ consumer }) => consumer.status.isPolling);

  function onError(error: Error, messages?: Message | Message[]) {
    if (state === 'stopping' || state === 'stopped') {
      logger.debug({ code: failureCode(error.cause ?? error) }, 'queue call ended by the stop');
      return;
    }
    const code = failureCode(error.cause ?? error);
    if (messages !== undefined) {
      // The orders are committed; the messages come back and their rewrite changes nothing.
      logger.warn(
        { code, messageIds: [messages].flat().map((m) => m.MessageId) },
        'could not delete processed messages: they will be redelivered and recognised',
      );
      return;
    }
    if (!queueFailing) {
      queueFailing = true;
      logger.error({ code }, 'cannot receive from the queue; retrying');
    }
    if (code === 'QueueDoesNotExist' && deps.recreateQueue) recreateQueue(deps.recreateQueue);
  }

  /** One re-creation at a time; the consumer's next poll after it finds the queue again. */
  function recreateQueue(recreate: () => Promise<unknown>) {
    if (recreating) return;
    recreating = true;
    recreate()
      .then(
        () => logger.warn('the queue had vanished (the AWS endpoint lost its state): recreated it'),
        (error) => logger.error({ code: failureCode(error) }, 'cannot recreate the queue'),
      )
      .finally(() => {
        recreating = false;
      });
  }

  function queueBack() {
    if (queueFailing) {
      queueFailing = false;
      logger.info('receiving from the queue again');
    }
  }

  /**
   * The database went away: stop polling at once and hold the in-flight messages (no delete,
   * no further receive), so an outage never walks them towards the DLQ; they are released when
   * the database answers again and consumption resumes by itself. Logs once on the way in and
   * once on the way out.
   */
  function pause(error: unknown) {
    if (state !== 'running') return;
    const code = failureCode(error);
    setState('paused', `database unavailable (${code})`);
    pausedAt = Date.now();
    logger.error({ code }, 'database unavailable: consumption paused until it answers');
    stopPolling();
    pauseAbort = new AbortController();
    waiting = waitForDatabase(pauseAbort.signal);
  }

  async function waitForDatabase(signal: AbortSignal): Promise<void> {
    let delay = initialBackoff;
    for (;;) {
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return; // stopped while paused
      }
      try {
        await repository.ping();
        break;
      } catch (error) {
        logger.debug({ code: failureCode(error), nextInMs: delay }, 'database still unavailable');
        delay = Math.min(delay * 2, maxBackoff);
      }
    }
    // The batches in flight when we paused may still be deleting what they committed; let them
    // finish so that each poll loop runs once.
    await until(() => state !== 'paused' || !polling());
    if (state !== 'paused') return;
    await releaseHeld();
    setState('running');
    logger.info(
      { pausedMs: Date.now() - pausedAt },
      'database answering again: consumption resumed',
    );
    startPolling();
  }

  /**
   * The messages a paused batch left are invisible for the rest of their visibility timeout
   * (30 s): made visible again at once, so the orders are written as soon as the database is
   * back rather than half a minute later, while the queue is all that holds them (an order
   * accepted during the outage has no row yet). Their receive count is what it would be
   * anyway; a failure here only means they come back when their timeout ends.
   */
  async function releaseHeld() {
    const messages = held;
    held = [];
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      try {
        await deps.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: deps.queueUrl,
            Entries: batch.map((m, n) => ({
              Id: String(n),
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        );
      } catch (error) {
        logger.warn(
          { code: failureCode(error), count: batch.length },
          'could not release held messages; they return when their visibility timeout ends',
        );
      }
    }
    if (messages.length > 0) logger.info({ count: messages.length }, 'held messages released');
  }

  /**
   * Every so often, while consuming, re-publishes orders left `queued` too long (see
   * republish.ts). Checks a few times per threshold, so an order waits at most about 1.25 ×
   * the threshold; not more often than 4 times a second, nor less than every 15 s.
   */
  function scheduleRepublish() {
    const everyMs = Math.min(15_000, Math.max(250, Math.floor(republishAfterMs / 4)));
    republishTimer = setTimeout(() => {
      republishing = (async () => {
        if (state !== 'running') return;
        try {
          totals.republished += await republishBacklog(
            {
              repository,
              sqs: deps.sqs,
              queueUrl: deps.queueUrl,
              signer: deps.signer,
              logger,
              afterMs: republishAfterMs,
            },
            () => state === 'running',
          );
        } catch (error) {
          // The database away or busy pauses consumption on its own: just try again later.
          const unavailable = classifyFailure(error) === 'db-unavailable';
          logger[unavailable ? 'debug' : 'error'](
            { code: failureCode(error) },
            'cannot look for stale queued orders now',
          );
        }
      })().finally(() => {
        if (state !== 'stopping' && state !== 'stopped') scheduleRepublish();
      });
    }, everyMs);
    republishTimer.unref();
  }

  return {
    async start() {
      if (state !== 'idle') throw new Error(`the processor cannot start: it is ${state}`);
      setState('running');
      // Its passes run only while consuming; a pause skips them until the database is back.
      scheduleRepublish();
      try {
        await repository.ping();
      } catch (error) {
        if (classifyFailure(error) !== 'db-unavailable') {
          setState('stopped');
          throw error;
        }
        pause(error);
        return;
      }
      if ((state as ProcessorState) !== 'running') return; // stopped while checking
      startPolling();
      logger.info({ pollers: loops.length }, 'consuming orders');
    },

    stop() {
      stopping ??= (async () => {
        if (state === 'idle') {
          setState('stopped');
          return;
        }
        setState('stopping');
        pauseAbort.abort();
        clearTimeout(republishTimer);
        // The poll in progress is not aborted: the queue may already have handed it messages,
        // which would then sit invisible for the visibility timeout. It ends within
        // waitTimeSeconds, and whatever it brings is finished (written and deleted).
        stopPolling();
        await waiting;
        await republishing;
        await until(() => !polling());
        setState('stopped');
        logger.info({ totals }, 'consumer stopped');
      })();
      return stopping;
    },

    status() {
      return {
        state,
        ...(reason ? { reason } : {}),
        since: since.toISOString(),
        inFlight: loops.reduce((sum, { loop }) => sum + loop.inFlight, 0),
        totals: { ...totals },
      };
    },

    checkDatabase(timeoutMs = 1_000) {
      return repository.ping(timeoutMs);
    },
  };
}
