import { ERROR_STATUS } from '@echobase/infra/errors';
import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { asApiError, detailsByField, detailText, friendlyMessage } from './messages';

const error = (code: string, extra: Partial<ConstructorParameters<typeof ApiError>[0]> = {}) =>
  new ApiError({ status: 400, code, message: 'server words', requestId: 'req-1', ...extra });

describe('friendly error messages', () => {
  it('maps codes to sentences written for people, not the server message', () => {
    expect(friendlyMessage(error('csrf_failed'))).toBe('Your form expired. Please try again.');
    expect(friendlyMessage(error('network_error'))).toMatch(/could not reach the server/);
    expect(friendlyMessage(error('internal'))).not.toContain('server words');
  });

  it('has a sentence of its own for every code the server answers', () => {
    for (const code of Object.keys(ERROR_STATUS)) {
      expect([code, friendlyMessage(error(code))]).not.toEqual([
        code,
        'Something went wrong. Please try again.',
      ]);
    }
  });

  it('lets a page say something more specific, and falls back for unknown codes', () => {
    expect(friendlyMessage(error('conflict'), { conflict: 'That email is taken.' })).toBe(
      'That email is taken.',
    );
    expect(friendlyMessage(error('teapot'))).toBe('Something went wrong. Please try again.');
  });

  it('says when to try again after too many attempts', () => {
    expect(friendlyMessage(error('too_many_requests', { retryAfter: 30 }))).toBe(
      'Too many attempts. Please try again in 30 seconds.',
    );
    expect(friendlyMessage(error('too_many_requests', { retryAfter: 600 }))).toBe(
      'Too many attempts. Please try again in 10 minutes.',
    );
    expect(friendlyMessage(error('too_many_requests'))).toBe(
      'Too many attempts. Please wait a moment and try again.',
    );
  });

  it('never exposes a thrown non-API value', () => {
    const wrapped = asApiError(new TypeError('x is undefined'));
    expect(wrapped).toBeInstanceOf(ApiError);
    expect(friendlyMessage(new TypeError('x is undefined'))).toBe(
      'Something went wrong. Please try again.',
    );
  });

  it('shows validation details beside their fields and keeps the rest', () => {
    const invalid = error('validation_failed', {
      details: [
        { field: 'quantity', message: 'must be at most 100' },
        { field: 'idempotency-key', message: 'is required' },
      ],
    });
    const { byField, other } = detailsByField(invalid, ['productId', 'quantity']);
    expect(byField).toEqual({ quantity: 'Quantity must be at most 100' });
    expect(other.map(detailText)).toEqual(['Order reference is required']);
  });
});
