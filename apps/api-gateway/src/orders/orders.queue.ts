import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { type OrderPlaced, type OrderSigner, signedOrderMessage } from '@echobase/infra/queue';
import { publishing } from '@echobase/infra/tracing';

/** SQS takes at most this many messages in one SendMessageBatch. */
const MAX_BATCH = 10;

/** One entry of a batch the queue refused, as SQS reports it. */
export class OrderNotQueued extends Error {
  readonly code: string;
  constructor(code: string | undefined, message: string | undefined) {
    super(`the queue refused the order message: ${message ?? code ?? 'no reason given'}`);
    this.name = 'OrderNotQueued';
    this.code = code ?? 'OrderNotQueued';
  }
}

interface Waiting {
  entry: ReturnType<typeof signedOrderMessage>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Puts signed order messages on this colour's queue. Each `send` resolves once its own message
 * is on the queue and rejects if it is not, as if sent alone; underneath, orders that arrive
 * while `maxInFlight` calls are already on their way go together in one SendMessageBatch of up to
 * 10, so under load the endpoint sees a tenth of the calls and a quiet API adds no wait at all.
 * Each message carries the trace context of its own request's publish span, whichever call
 * takes it.
 */
export function createOrderProducer(
  sqs: SQSClient,
  queueUrl: string,
  signer: OrderSigner,
  { maxInFlight = 2 }: { maxInFlight?: number } = {},
) {
  const waiting: Waiting[] = [];
  let inFlight = 0;
  const queueName = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);

  async function sendBatch(batch: Waiting[]): Promise<void> {
    try {
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map(({ entry }, index) => ({ Id: String(index), ...entry })),
        }),
      );
      const sent = new Set((out.Successful ?? []).map((s) => s.Id));
      const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
      for (const [index, { resolve, reject }] of batch.entries()) {
        const id = String(index);
        if (sent.has(id)) resolve();
        else reject(new OrderNotQueued(failed.get(id)?.Code, failed.get(id)?.Message));
      }
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }

  function flush(): void {
    while (waiting.length > 0 && inFlight < maxInFlight) {
      inFlight += 1;
      void sendBatch(waiting.splice(0, MAX_BATCH)).finally(() => {
        inFlight -= 1;
        flush();
      });
    }
  }

  return {
    send(message: OrderPlaced): Promise<void> {
      return publishing(
        queueName,
        message.orderId,
        (traceAttributes) =>
          new Promise<void>((resolve, reject) => {
            const entry = signedOrderMessage(message, signer);
            entry.MessageAttributes = { ...entry.MessageAttributes, ...traceAttributes };
            waiting.push({ entry, resolve, reject });
            flush();
          }),
      );
    },
  };
}
export type OrderProducer = ReturnType<typeof createOrderProducer>;
