import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isLockConflict } from './unavailable.js';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }],
    [{ code: 'PROTOCOL_CONNECTION_LOST', fatal: true }],
    [{ code: 'ER_CON_COUNT_ERROR' }],
    [{ errno: 1927, code: 'ER_CONNECTION_KILLED' }],
    [new Error('Pool is closed.')],
    [new Error("Can't add new command when connection is in closed state")],
    [{ message: 'wrapped', cause: { code: 'ETIMEDOUT' } }],
    [new Error('Queue limit reached.')],
    [{ code: 'POOL_ACQUIRE_TIMEOUT' }],
    // Lock conflicts that outlived their retries: too contended to answer now.
    [{ errno: 1213, code: 'ER_LOCK_DEADLOCK' }],
    [{ errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' }],
  ])('is true for an unreachable database: %j', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    [{ code: 'ER_DUP_ENTRY' }],
    [{ code: 'ER_NO_REFERENCED_ROW_2' }],
    [{ code: 'ER_PARSE_ERROR' }],
    [new Error('boom')],
    [null],
    ['ECONNREFUSED'],
  ])('is false for data and SQL errors: %j', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('isLockConflict', () => {
  it('is true for a deadlock and a lock wait timeout only', () => {
    expect(isLockConflict({ errno: 1213, code: 'ER_LOCK_DEADLOCK' })).toBe(true);
    expect(isLockConflict({ errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' })).toBe(true);
    expect(isLockConflict({ code: 'ER_DUP_ENTRY', errno: 1062 })).toBe(false);
    expect(isLockConflict({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isLockConflict(null)).toBe(false);
  });
});
