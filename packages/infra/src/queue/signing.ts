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

/** Why `verify` refuses a message signed with a key this signer does not hold. */
export const UNKNOWN_KEY = 'signed with an unknown key';

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
      if (!key) return { ok: false, reason: UNKNOWN_KEY };
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

export interface ReloadingSigner extends OrderSigner {
  /**
   * Reads the keys again (at most once per `minIntervalMs`; calls in between share the last
   * read). Resolves true when the keys changed. A failed read keeps the keys in hand.
   */
  reload(): Promise<boolean>;
}

/**
 * A signer whose keys can be read again while it runs. A process keeps the keys it read at
 * start; after a rotation (the secret now holds a new `signingKey` and the old one as
 * `previousSigningKey`), a process started since signs with the new key, and one started
 * before would refuse those messages until it is restarted. The processor reloads on a message
 * signed with a key it does not know, so a rotation needs no restart and a crash-restarted
 * API never stalls its colour. Bounded: a queue full of forged messages costs one read of the
 * secret per interval, not one per message.
 */
export function reloadingSigner(
  initial: SigningKeys,
  load: () => Promise<SigningKeys>,
  options: { minIntervalMs?: number; now?: () => number } = {},
): ReloadingSigner {
  const minIntervalMs = options.minIntervalMs ?? 5_000;
  const now = options.now ?? Date.now;
  let signer = createOrderSigner(initial);
  let lastRead = Number.NEGATIVE_INFINITY;
  let reading: Promise<boolean> | undefined;
  const keysOf = (s: SigningKeys) => `${s.signingKey}\n${s.previousSigningKey ?? ''}`;
  let current = keysOf(initial);

  return {
    get keyId() {
      return signer.keyId;
    },
    sign: (body) => signer.sign(body),
    verify: (body, attributes) => signer.verify(body, attributes),
    reload() {
      if (reading) return reading;
      if (now() - lastRead < minIntervalMs) return Promise.resolve(false);
      lastRead = now();
      reading = load()
        .then((keys) => {
          const next = createOrderSigner(keys);
          const changed = keysOf(keys) !== current;
          signer = next;
          current = keysOf(keys);
          return changed;
        })
        .catch(() => false)
        .finally(() => {
          reading = undefined;
        });
      return reading;
    },
  };
}
