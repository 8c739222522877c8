import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type OrderPlaced, orderFingerprint } from './contract.js';
import {
  createOrderSigner,
  KEY_ID_ATTRIBUTE,
  reloadingSigner,
  SIGNATURE_ATTRIBUTE,
  type SigningKeys,
  signedOrderMessage,
} from './signing.js';

const key = () => randomBytes(48).toString('base64url');

const order: OrderPlaced = {
  type: 'order.placed',
  version: 2,
  orderId: '6f1c2f3e-8a4b-4c5d-9e6f-0a1b2c3d4e5f',
  userId: 7,
  productId: 2,
  productSku: 'PC-042',
  productName: 'Plasma Conduit',
  unitPrice: '89.50',
  quantity: 3,
  total: '268.50',
  idempotencyKey: 'key-00001',
  fingerprint: orderFingerprint({ productId: 2, quantity: 3 }),
  requestId: 'req-1',
  placedAt: '2026-11-22T10:00:00.000Z',
};

describe('order message signing', () => {
  it('verifies what it signed, byte for byte, and names the key by an id that is not the key', () => {
    const signingKey = key();
    const signer = createOrderSigner({ signingKey });
    const { MessageBody, MessageAttributes } = signedOrderMessage(order, signer);
    expect(signer.verify(MessageBody, MessageAttributes)).toEqual({
      ok: true,
      keyId: signer.keyId,
    });
    expect(signer.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(MessageAttributes)).not.toContain(signingKey);
    expect(MessageAttributes[KEY_ID_ATTRIBUTE]).toEqual({
      DataType: 'String',
      StringValue: signer.keyId,
    });
  });

  it('refuses a missing signature, a changed body, another key and an unknown key id', () => {
    const signer = createOrderSigner({ signingKey: key() });
    const { MessageBody, MessageAttributes } = signedOrderMessage(order, signer);
    const forged = MessageBody.replace('"unitPrice":"89.50"', '"unitPrice":"00.01"');
    expect(signer.verify(MessageBody, undefined)).toEqual({ ok: false, reason: 'no signature' });
    expect(signer.verify(forged, MessageAttributes)).toEqual({
      ok: false,
      reason: 'bad signature',
    });
    const other = createOrderSigner({ signingKey: key() });
    expect(signer.verify(MessageBody, other.sign(MessageBody))).toEqual({
      ok: false,
      reason: 'signed with an unknown key',
    });
    // Another key under this key's id.
    const stolenId = {
      ...other.sign(MessageBody),
      [KEY_ID_ATTRIBUTE]: { DataType: 'String', StringValue: signer.keyId },
    };
    expect(signer.verify(MessageBody, stolenId)).toEqual({ ok: false, reason: 'bad signature' });
    const truncated = {
      ...MessageAttributes,
      [SIGNATURE_ATTRIBUTE]: { DataType: 'String', StringValue: 'AAAA' },
    };
    expect(signer.verify(MessageBody, truncated)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('during a rotation, accepts the previous key and signs with the new one', () => {
    const oldKey = key();
    const before = createOrderSigner({ signingKey: oldKey });
    const after = createOrderSigner({ signingKey: key(), previousSigningKey: oldKey });
    const { MessageBody, MessageAttributes } = signedOrderMessage(order, before);
    expect(after.verify(MessageBody, MessageAttributes)).toEqual({ ok: true, keyId: before.keyId });
    expect(after.keyId).not.toBe(before.keyId);
    expect(after.sign(MessageBody)[KEY_ID_ATTRIBUTE]?.StringValue).toBe(after.keyId);
  });

  it('refuses a key too short to be one generated for an environment', () => {
    expect(() => createOrderSigner({ signingKey: randomBytes(16).toString('base64url') })).toThrow(
      'an order signing key must be at least 32 bytes',
    );
  });
});

describe('a signer that reads its keys again', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('verifies messages signed after a rotation once reloaded, and signs with the new key', async () => {
    const before = { signingKey: key() };
    const after = { signingKey: key(), previousSigningKey: before.signingKey };
    let stored: SigningKeys = before;
    const signer = reloadingSigner(before, async () => stored, { now: clock().now });
    const fresh = signedOrderMessage(order, createOrderSigner(after));
    const old = signedOrderMessage(order, createOrderSigner(before));
    expect(signer.verify(fresh.MessageBody, fresh.MessageAttributes)).toEqual({
      ok: false,
      reason: 'signed with an unknown key',
    });

    stored = after;
    expect(await signer.reload()).toBe(true);
    expect(signer.verify(fresh.MessageBody, fresh.MessageAttributes).ok).toBe(true);
    // The previous key still verifies what was signed before the rotation.
    expect(signer.verify(old.MessageBody, old.MessageAttributes).ok).toBe(true);
    expect(signer.keyId).toBe(createOrderSigner(after).keyId);
  });

  it('reads the secret at most once per interval, however many messages ask', async () => {
    const keys = { signingKey: key() };
    const time = clock();
    let reads = 0;
    const load = async () => {
      reads += 1;
      return keys;
    };
    const signer = reloadingSigner(keys, load, {
      minIntervalMs: 5_000,
      now: time.now,
    });
    const asked = await Promise.all([signer.reload(), signer.reload(), signer.reload()]);
    expect(asked).toEqual([false, false, false]);
    expect(await signer.reload()).toBe(false);
    expect(reads).toBe(1);
    time.advance(5_000);
    await signer.reload();
    expect(reads).toBe(2);
  });

  it('keeps the keys in hand when the secret cannot be read', async () => {
    const keys = { signingKey: key() };
    const signer = reloadingSigner(keys, () => Promise.reject(new Error('endpoint down')), {
      now: clock().now,
    });
    const message = signedOrderMessage(order, createOrderSigner(keys));
    expect(await signer.reload()).toBe(false);
    expect(signer.verify(message.MessageBody, message.MessageAttributes).ok).toBe(true);
  });
});
