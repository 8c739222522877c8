import { describe, expect, it } from 'vitest';
import { orderIdFor } from './order-id.js';

describe('orderIdFor', () => {
  it('mints one order id per user and Idempotency-Key', () => {
    expect(orderIdFor(1, 'key-00001')).toBe(orderIdFor(1, 'key-00001'));
    expect(orderIdFor(1, 'key-00001')).not.toBe(orderIdFor(2, 'key-00001'));
    expect(orderIdFor(1, 'key-00001')).not.toBe(orderIdFor(1, 'key-00002'));
    expect(orderIdFor(1, 'key-00001')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
