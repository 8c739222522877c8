import { isDatabaseUnavailable } from '@echobase/infra/db';

/**
 * Why a database call failed, which decides what the processor does with the message:
 * - `db-unavailable`: the database cannot be reached right now. Waiting fixes it, so
 *   consumption pauses and the message is left alone (not burned towards the DLQ).
 * - `data`: the database answered and refused this order (a missing user, a broken row).
 *   Waiting never fixes it, so the message is left for redelivery and, after three receives,
 *   the dead-letter queue, where an operator looks at it.
 */
export type FailureKind = 'db-unavailable' | 'data';

export function classifyFailure(error: unknown): FailureKind {
  return isDatabaseUnavailable(error) ? 'db-unavailable' : 'data';
}

/** A short, value-free description of an error for logs and health answers: its code or name. */
export function failureCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'unknown';
  const e = error as { code?: unknown; name?: unknown };
  if (typeof e.code === 'string' && e.code) return e.code;
  if (typeof e.name === 'string' && e.name && e.name !== 'Error') return e.name;
  return 'error';
}
