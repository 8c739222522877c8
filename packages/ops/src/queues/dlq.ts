import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { decodeOrderPlaced } from '@echobase/infra/queue';
import { OpsError } from '../errors.js';
import { type Colour, colourNames, type EnvName, PORT_PLAN } from '../plan.js';
import { awsEndpoint } from '../provision/aws.js';

/**
 * The dead-letter queue of a colour's order queue, behind `echobase dlq list|redrive|purge`
 * (cli/dlq.ts). Messages land there after three failed receives (see ensureQueuePair); an
 * operator looks at them, sends them back once the cause is fixed, or drops them.
 */

export interface DlqDeps {
  /** The SQS client for an environment; the env's AWS endpoint from the port plan by default. */
  sqsFor?: (env: EnvName) => SQSClient;
  /** Where purge reads its confirmation; it refuses when this is not a terminal. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface DlqEntry {
  id: string;
  receiveCount: number | null;
  sentAt: string | null;
  type?: string;
  orderId?: string;
  requestId?: string;
  /** Why the body is not a valid order message, when it is not. */
  reason?: string;
}

/** Receives hide messages this long while we page through them; they are put back at once. */
const PAGE_VISIBILITY_SECONDS = 30;
const MAX_MESSAGES = 10_000;

function errorCode(error: unknown): string {
  const e = error as { code?: string; name?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code ?? e.name ?? 'error';
}

export interface Target {
  env: EnvName;
  colour: Colour;
  sqs: SQSClient;
}

async function call<T>(target: Target, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof OpsError) throw error;
    const endpoint = awsEndpoint(PORT_PLAN[target.env].durable.sqs).endpoint;
    throw new OpsError(
      `the SQS endpoint of ${target.env} (${endpoint}) failed (${errorCode(error)}): is its durable layer up? ./durable/setup.sh ${target.env}`,
      { cause: error },
    );
  }
}

async function urlOf(target: Target, which: 'queue' | 'deadLetterQueue'): Promise<string> {
  const name = colourNames(target.env, target.colour)[which];
  return call(target, async () => {
    try {
      const out = await target.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      return out.QueueUrl as string;
    } catch (error) {
      if (errorCode(error) !== 'QueueDoesNotExist') throw error;
      const what = which === 'queue' ? 'queue' : 'DLQ';
      throw new OpsError(
        `no ${what} for ${target.colour} in ${target.env}: is the ${target.colour} stack deployed?`,
      );
    }
  });
}

async function receivePage(target: Target, url: string): Promise<Message[]> {
  const out = await call(target, () =>
    target.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: PAGE_VISIBILITY_SECONDS,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        MessageAttributeNames: ['All'],
      }),
    ),
  );
  return out.Messages ?? [];
}

function chunks<T>(items: readonly T[], size = 10): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function describeMessage(message: Message): DlqEntry {
  const count = Number(message.Attributes?.ApproximateReceiveCount);
  const sent = Number(message.Attributes?.SentTimestamp);
  const entry: DlqEntry = {
    id: message.MessageId ?? '?',
    receiveCount: Number.isFinite(count) ? count : null,
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : null,
  };
  const decoded = decodeOrderPlaced(message.Body);
  if (decoded.ok) {
    entry.type = decoded.message.type;
    entry.orderId = decoded.message.orderId;
    entry.requestId = decoded.message.requestId;
  } else {
    entry.reason = decoded.reason;
  }
  return entry;
}

/**
 * Every message of the DLQ, left in it: each page is hidden while we read on (so the next
 * receive returns the next messages), then all are made visible again at once.
 */
export async function listDeadLetters(target: Target): Promise<DlqEntry[]> {
  const url = await urlOf(target, 'deadLetterQueue');
  const seen = new Map<string, Message>();
  try {
    while (seen.size < MAX_MESSAGES) {
      const page = await receivePage(target, url);
      const fresh = page.filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const m of fresh) seen.set(m.MessageId as string, m);
    }
  } finally {
    for (const batch of chunks([...seen.values()])) {
      await target.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: url,
            Entries: batch.map((m, i) => ({
              Id: String(i),
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        )
        .catch(() => undefined); // they reappear after PAGE_VISIBILITY_SECONDS anyway
    }
  }
  return [...seen.values()].map(describeMessage);
}

/**
 * Moves every DLQ message back to the colour's queue: send, then delete from the DLQ only what
 * was sent. A message that was sent but not deleted may arrive twice; orders are idempotent.
 */
export async function redriveDeadLetters(target: Target): Promise<number> {
  const dlqUrl = await urlOf(target, 'deadLetterQueue');
  const queueUrl = await urlOf(target, 'queue');
  let moved = 0;
  let failed = 0;
  while (moved + failed < MAX_MESSAGES) {
    const page = await receivePage(target, dlqUrl);
    if (page.length === 0) break;
    const sent = await call(target, () =>
      target.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: page.map((m, i) => ({
            Id: String(i),
            MessageBody: m.Body ?? '',
            ...(m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {}),
          })),
        }),
      ),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    failed += page.length - ok.size;
    const done = page.filter((_, i) => ok.has(String(i)));
    if (done.length > 0) {
      await call(target, () =>
        target.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlqUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        ),
      );
    }
    moved += done.length;
    if (ok.size === 0) break; // the queue refuses everything: stop rather than spin
  }
  if (failed > 0) {
    throw new OpsError(
      `moved ${moved} message(s); ${failed} could not be sent to the ${target.colour} queue and stay in its DLQ`,
    );
  }
  return moved;
}

async function approximateCount(target: Target, url: string): Promise<number> {
  const out = await call(target, () =>
    target.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    ),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/**
 * Deletes every message in the colour's DLQ once `confirm` agrees to the count it is shown;
 * resolves with that count. A refusal deletes nothing.
 */
export async function purgeDeadLetters(
  target: Target,
  confirm: (count: number) => Promise<boolean>,
): Promise<number> {
  const url = await urlOf(target, 'deadLetterQueue');
  const count = await approximateCount(target, url);
  if (!(await confirm(count))) throw new OpsError('purge cancelled: nothing was deleted');
  await call(target, () => target.sqs.send(new PurgeQueueCommand({ QueueUrl: url })));
  return count;
}
