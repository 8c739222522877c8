import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';

export interface QueueConfig {
  region: string;
  /** Set for an emulator; leave unset for real AWS. */
  endpoint?: string | undefined;
  credentials?: SQSClientConfig['credentials'];
  /** Longest wait for a TCP connection to the endpoint; 2 s when omitted. */
  connectionTimeoutMs?: number;
  /**
   * Longest wait for one request's answer; 5 s when omitted. A consumer's long polls must fit
   * inside it (a 20 s poll needs more than 20 s).
   */
  requestTimeoutMs?: number;
}

export function createSqsClient(config: QueueConfig): SQSClient {
  return new SQSClient({
    region: config.region,
    endpoint: config.endpoint,
    credentials: config.credentials,
    maxAttempts: 3,
    // The SDK waits forever by default: an endpoint that accepts and never answers would hold
    // an order request (and its socket) for good. A timed-out attempt is retried, then fails.
    requestHandler: {
      connectionTimeout: config.connectionTimeoutMs ?? 2_000,
      requestTimeout: config.requestTimeoutMs ?? 5_000,
      throwOnRequestTimeout: true,
    },
  });
}

export interface QueuePair {
  queueUrl: string;
  deadLetterQueueUrl: string;
}

export interface EnsureQueueOptions {
  name: string;
  deadLetterName: string;
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount?: number;
  visibilityTimeoutSeconds?: number;
}

/**
 * Creates the queue and its dead-letter queue if missing (CreateQueue is idempotent for equal
 * attributes) and returns their URLs.
 */
export async function ensureQueuePair(
  sqs: SQSClient,
  options: EnsureQueueOptions,
): Promise<QueuePair> {
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: options.deadLetterName,
      Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) },
    }),
  );
  const dlqUrl = dlq.QueueUrl as string;
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const main = await sqs.send(
    new CreateQueueCommand({
      QueueName: options.name,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
        ReceiveMessageWaitTimeSeconds: '20',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: attrs.Attributes?.QueueArn,
          maxReceiveCount: options.maxReceiveCount ?? 3,
        }),
      },
    }),
  );
  return { queueUrl: main.QueueUrl as string, deadLetterQueueUrl: dlqUrl };
}

/** A colour queue's name and its DLQ's (`<name>-dlq`), from the queue's URL. */
export function queuePairNames(queueUrl: string): { name: string; deadLetterName: string } {
  const name = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
  return { name, deadLetterName: `${name}-dlq` };
}

/** The URL of a queue's dead-letter queue: same endpoint and account, named `<name>-dlq`. */
export function deadLetterQueueUrl(queueUrl: string): string {
  return `${queueUrl.slice(0, queueUrl.lastIndexOf('/') + 1)}${queuePairNames(queueUrl).deadLetterName}`;
}

export async function queueUrl(sqs: SQSClient, name: string): Promise<string> {
  const out = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  return out.QueueUrl as string;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export async function queueDepth(sqs: SQSClient, url: string): Promise<QueueDepth> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
