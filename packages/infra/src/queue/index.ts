export {
  type Decoded,
  decodeOrderPlaced,
  encodeOrderPlaced,
  fromCents,
  type OrderPlaced,
  orderPlacedV1,
  toCents,
} from './contract.js';
export {
  createSqsClient,
  type EnsureQueueOptions,
  ensureQueuePair,
  type QueueConfig,
  type QueueDepth,
  type QueuePair,
  queueDepth,
  queueUrl,
} from './sqs.js';
