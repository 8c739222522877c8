import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { type OrderPlaced, type OrderSigner, signedOrderMessage } from '@echobase/infra/queue';

/** Puts signed order messages on this colour's queue. */
export function createOrderProducer(sqs: SQSClient, queueUrl: string, signer: OrderSigner) {
  return {
    async send(message: OrderPlaced): Promise<void> {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, ...signedOrderMessage(message, signer) }),
      );
    },
  };
}
export type OrderProducer = ReturnType<typeof createOrderProducer>;
