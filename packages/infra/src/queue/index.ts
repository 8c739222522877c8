export {
  type Decoded,
  decodeOrderPlaced,
  encodeOrderPlaced,
  fromCents,
  ORDER_LIMITS,
  type OrderPlaced,
  type OrderRequest,
  orderFingerprint,
  orderPlacedV2,
  toCents,
} from './contract.js';
export { ORDER_ID_NAMESPACE, orderIdFor } from './order-id.js';
export {
  createOrderSigner,
  KEY_ID_ATTRIBUTE,
  type MessageAttributes,
  type OrderSigner,
  type ReloadingSigner,
  reloadingSigner,
  SIGNATURE_ATTRIBUTE,
  type SigningKeys,
  signedOrderMessage,
  UNKNOWN_KEY,
  type Verified,
} from './signing.js';
export {
  createSqsClient,
  deadLetterQueueUrl,
  type EnsureQueueOptions,
  ensureQueuePair,
  type QueueConfig,
  type QueueDepth,
  type QueuePair,
  queueDepth,
  queuePairNames,
  queueUrl,
} from './sqs.js';
