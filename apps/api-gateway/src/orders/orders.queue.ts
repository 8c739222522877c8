import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { encodeOrderPlaced, type OrderPlaced } from '@echobase/infra/queue';

/** Puts order messages on this colour's queue. */
export function createOrderProducer(sqs: SQSClient, queueUrl: string) {
  return {
    async send(message: OrderPlaced): Promise<void> {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: encodeOrderPlaced(message) }),
      );
    },
  };
}
export type OrderProducer = ReturnType<typeof createOrderProducer>;
