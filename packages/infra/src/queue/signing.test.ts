import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type OrderPlaced, orderFingerprint } from './contract.js';
import {
  createOrderSigner,
  KEY_ID_ATTRIBUTE,
  SIGNATURE_ATTRIBUTE,
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
