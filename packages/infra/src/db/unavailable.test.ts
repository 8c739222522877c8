import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './unavailable.js';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }],
    [{ code: 'PROTOCOL_CONNECTION_LOST', fatal: true }],
    [{ code: 'ER_CON_COUNT_ERROR' }],
    [{ errno: 1927, code: 'ER_CONNECTION_KILLED' }],
    [new Error('Pool is closed.')],
    [new Error("Can't add new command when connection is in closed state")],
    [{ message: 'wrapped', cause: { code: 'ETIMEDOUT' } }],
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
