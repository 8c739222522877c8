import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { encodeOrderPlaced, type OrderPlaced } from './contract.js';

/**
 * Order messages are signed by whoever may place orders (the API, and the processor when it
 * re-publishes an order from its row) and verified by the processor before it reads anything
 * else: a process that can only reach the queue cannot place an order for anyone.
 *
 * HMAC-SHA-256, keyed by the secret `echobase/<env>/orders/signing`, over the message body byte
 * for byte (the body is the canonical encoding, `encodeOrderPlaced`). The signature and the key
 * id ride as SQS message attributes, so the body stays the plain contract and nothing has to be
 * re-serialised to be checked. The key id (a hash of the key, not the key) names which key
 * signed: during a rotation the secret holds `previousSigningKey` too and both verify.
 */
export const SIGNATURE_ATTRIBUTE = 'signature';
export const KEY_ID_ATTRIBUTE = 'signing-key-id';

export type MessageAttributes = Record<string, MessageAttributeValue>;

/** The secret's shape, base64url keys (see `orderSigningSecretSchema` in ../secrets). */
export interface SigningKeys {
  signingKey: string;
  previousSigningKey?: string | undefined;
}

export type Verified = { ok: true; keyId: string } | { ok: false; reason: string };

export interface OrderSigner {
  /** Id of the key this signer signs with. */
  readonly keyId: string;
  /** The message attributes that authenticate `body`. */
  sign(body: string): MessageAttributes;
  /** Checks `body` against its attributes; `reason` never holds a key or a signature. */
  verify(body: string | undefined, attributes: MessageAttributes | undefined): Verified;
}

/** Keys shorter than this are refused: 48 random bytes are generated per environment. */
const MIN_KEY_BYTES = 32;

function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

function decodeKey(value: string): Buffer {
  const key = Buffer.from(value, 'base64url');
  if (key.length < MIN_KEY_BYTES)
    throw new Error(`an order signing key must be at least ${MIN_KEY_BYTES} bytes`);
  return key;
}

export function createOrderSigner(keys: SigningKeys): OrderSigner {
  const current = decodeKey(keys.signingKey);
  const known = new Map<string, Buffer>();
  for (const key of [
    current,
    ...(keys.previousSigningKey ? [decodeKey(keys.previousSigningKey)] : []),
  ])
    known.set(keyIdOf(key), key);
  const keyId = keyIdOf(current);
  const mac = (key: Buffer, body: string) =>
    createHmac('sha256', key).update(body, 'utf8').digest();

  return {
    keyId,
    sign(body) {
      return {
        [SIGNATURE_ATTRIBUTE]: {
          DataType: 'String',
          StringValue: mac(current, body).toString('base64url'),
        },
        [KEY_ID_ATTRIBUTE]: { DataType: 'String', StringValue: keyId },
      };
    },
    verify(body, attributes) {
      const signature = attributes?.[SIGNATURE_ATTRIBUTE]?.StringValue;
      if (!signature) return { ok: false, reason: 'no signature' };
      const id = attributes?.[KEY_ID_ATTRIBUTE]?.StringValue ?? '';
      const key = known.get(id);
      if (!key) return { ok: false, reason: 'signed with an unknown key' };
      const expected = mac(key, body ?? '');
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return { ok: false, reason: 'bad signature' };
      return { ok: true, keyId: id };
    },
  };
}

/** An order as SendMessage wants it: the encoded body and the attributes that sign it. */
export function signedOrderMessage(
  order: OrderPlaced,
  signer: OrderSigner,
): { MessageBody: string; MessageAttributes: MessageAttributes } {
  const body = encodeOrderPlaced(order);
  return { MessageBody: body, MessageAttributes: signer.sign(body) };
}
