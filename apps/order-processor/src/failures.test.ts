import { describe, expect, it } from 'vitest';
import { classifyFailure, failureCode } from './failures.js';

describe('classifyFailure', () => {
  it.each([
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    ['connection lost', Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST' })],
    ['timeout', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })],
    ['too many connections', { code: 'ER_CON_COUNT_ERROR', errno: 1040 }],
    ['query timeout', { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }],
    ['server shutting down', { code: 'ER_SERVER_SHUTDOWN' }],
    ['pool closed', new Error('Pool is closed.')],
    [
      'dead pooled connection',
      new Error("Can't add new command when connection is in closed state"),
    ],
    ['wrapped', { message: 'wrapped', cause: { code: 'ECONNRESET' } }],
    // Already retried by the pool: waiting, not the DLQ, is what helps.
    ['a deadlock, past its retries', { code: 'ER_LOCK_DEADLOCK', errno: 1213 }],
    ['a lock wait timeout, past its retries', { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 }],
  ])('is db-unavailable for %s', (_what, error) => {
    expect(classifyFailure(error)).toBe('db-unavailable');
  });

  it.each([
    ['a missing user (foreign key)', { code: 'ER_NO_REFERENCED_ROW_2', errno: 1452 }],
    ['a check constraint', { code: 'ER_CONSTRAINT_FAILED' }],
    ['bad SQL', { code: 'ER_PARSE_ERROR' }],
    ['access denied', { code: 'ER_ACCESS_DENIED_ERROR' }],
    ['a plain error', new Error('boom')],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
  ])('is data for %s', (_what, error) => {
    expect(classifyFailure(error)).toBe('data');
  });
});

describe('failureCode', () => {
  it('names the code, else the error class, never the message', () => {
    expect(failureCode({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' })).toBe(
      'ECONNREFUSED',
    );
    expect(failureCode(new TypeError('secret value here'))).toBe('TypeError');
    expect(failureCode(new Error('secret value here'))).toBe('error');
    expect(failureCode('x')).toBe('unknown');
  });
});
