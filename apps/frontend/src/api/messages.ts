import { ApiError, type ApiErrorCode, type ErrorDetail } from './client';

/** What a person is told for each error code; a page may say something more specific. */
const FRIENDLY: Record<ApiErrorCode, string> = {
  bad_request: 'The request could not be understood. Please try again.',
  validation_failed: 'Some of the details are not valid. Please check them and try again.',
  unauthenticated: 'Please log in to continue.',
  csrf_failed: 'Your form expired. Please try again.',
  forbidden: 'You are not allowed to do that.',
  not_found: 'We could not find what you asked for.',
  conflict: 'That clashes with something that already exists.',
  payload_too_large: 'That is too much to send at once.',
  unsupported_media_type: 'The request could not be sent in the right format.',
  unprocessable: 'That request could not be carried out.',
  idempotency_key_reused:
    'That request’s reference was already used for a different one, so nothing was done.',
  /** Followed by when to try again (below). */
  too_many_requests: 'Too many attempts.',
  internal: 'Something went wrong on our side. Please try again.',
  unavailable: 'The service is busy or briefly unavailable. Please try again shortly.',
  network_error: 'We could not reach the server. Check your connection and try again.',
  bad_response: 'The server sent an unexpected answer. Please try again.',
};

const FALLBACK = 'Something went wrong. Please try again.';

export type MessageOverrides = Partial<Record<string, string>>;

/** Any thrown value as an ApiError, so the UI never shows a raw object or stack. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError({ status: 0, code: 'client_error', message: 'unexpected client error' });
}

function waitText(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? 'a minute' : `${minutes} minutes`;
}

/** The friendly sentence for an error, never the raw object. */
export function friendlyMessage(error: unknown, overrides: MessageOverrides = {}): string {
  const apiError = asApiError(error);
  const own = Object.hasOwn(FRIENDLY, apiError.code)
    ? FRIENDLY[apiError.code as ApiErrorCode]
    : undefined;
  const base = overrides[apiError.code] ?? own ?? FALLBACK;
  if (apiError.code === 'too_many_requests') {
    return apiError.retryAfter !== null
      ? `${base} Please try again in ${waitText(apiError.retryAfter)}.`
      : `${base} Please wait a moment and try again.`;
  }
  return base;
}

const FIELD_NAMES: Record<string, string> = {
  email: 'Email',
  password: 'Password',
  productId: 'Product',
  quantity: 'Quantity',
  'idempotency-key': 'Order reference',
};

/** A validation detail as a sentence: {field: 'quantity', message: 'must be at most 100'} → "Quantity must be at most 100". */
export function detailText(detail: ErrorDetail): string {
  const name = FIELD_NAMES[detail.field] ?? detail.field;
  return `${name} ${detail.message}`;
}

/** Splits validation details into those a form shows beside its fields and the rest. */
export function detailsByField(
  error: ApiError,
  fields: readonly string[],
): { byField: Record<string, string>; other: ErrorDetail[] } {
  const byField: Record<string, string> = {};
  const other: ErrorDetail[] = [];
  for (const detail of error.details) {
    if (fields.includes(detail.field) && byField[detail.field] === undefined) {
      byField[detail.field] = detailText(detail);
    } else {
      other.push(detail);
    }
  }
  return { byField, other };
}
