/**
 * The API client: typed calls to /api/v1, the session cookie sent same-origin, the CSRF token
 * kept and sent on every POST, the error envelope parsed into an ApiError, and the colour and
 * build of the latest response kept for the footer.
 */

import type { ErrorCode } from '@echobase/infra/errors';

export type OrderStatus = 'queued' | 'completed' | 'failed';

export interface User {
  id: number;
  email: string;
}

export interface Product {
  id: number;
  sku: string;
  name: string;
  /** Decimal amount with two places, e.g. "89.50". */
  price: string;
}

export interface Order {
  orderId: string;
  productId: number;
  productSku: string;
  productName: string;
  unitPrice: string;
  quantity: number;
  total: string;
  status: OrderStatus;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export interface Accepted {
  orderId: string;
  status: OrderStatus;
  /** True when the server answered 200: this Idempotency-Key had already placed the order. */
  replayed: boolean;
}

export interface PlaceOrderInput {
  productId: number;
  quantity: number;
}

export interface ErrorDetail {
  field: string;
  message: string;
}

/** Which colour and build answered the latest API call (null when the header was absent). */
export interface ServedBy {
  colour: string | null;
  build: string | null;
}

/** The server's codes (one table, packages/infra/src/errors) plus the two the client raises itself. */
export type ApiErrorCode =
  | ErrorCode
  /** fetch itself failed: offline, DNS, connection refused. */
  | 'network_error'
  /** The server answered something that is not the API's JSON (a proxy's HTML page, say). */
  | 'bad_response';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode | (string & {});
  readonly requestId: string | null;
  readonly details: readonly ErrorDetail[];
  /** Seconds the server asked us to wait (Retry-After), when it said. */
  readonly retryAfter: number | null;

  constructor(init: {
    status: number;
    code: ApiErrorCode | (string & {});
    message: string;
    requestId?: string | null;
    details?: readonly ErrorDetail[];
    retryAfter?: number | null;
  }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? null;
    this.details = init.details ?? [];
    this.retryAfter = init.retryAfter ?? null;
  }
}

export const API_BASE = '/api/v1';
export const CSRF_HEADER = 'x-csrf-token';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** Tries of one order attempt, all with the same Idempotency-Key. */
export const PLACE_ORDER_TRIES = 3;

type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** Defaults to the global fetch, looked up at call time. */
  fetch?: FetchLike;
  /** Defaults to a setTimeout promise; tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** A 401 here means "not signed in" (or a wrong password), not "your session expired". */
  sessionProbe?: boolean;
}

interface Answer<T> {
  status: number;
  data: T;
}

const RETRYABLE = new Set(['network_error', 'unavailable']);
const GATEWAY_STATUSES = new Set([502, 503, 504]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function retryAfterOf(headers: Headers): number | null {
  const value = headers.get('retry-after');
  if (value === null) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

async function readJson(response: Response): Promise<unknown> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return undefined;
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/** Turns a non-2xx answer into an ApiError, from the envelope when there is one. */
export function errorFromResponse(response: Response, body: unknown): ApiError {
  const retryAfter = retryAfterOf(response.headers);
  const envelope = isObject(body) && isObject(body.error) ? body.error : null;
  if (envelope && typeof envelope.code === 'string') {
    const details = Array.isArray(envelope.details)
      ? envelope.details.filter(
          (d): d is ErrorDetail =>
            isObject(d) && typeof d.field === 'string' && typeof d.message === 'string',
        )
      : [];
    return new ApiError({
      status: response.status,
      code: envelope.code,
      message: typeof envelope.message === 'string' ? envelope.message : '',
      requestId:
        typeof envelope.requestId === 'string'
          ? envelope.requestId
          : response.headers.get('x-request-id'),
      details,
      retryAfter,
    });
  }
  return new ApiError({
    status: response.status,
    code: GATEWAY_STATUSES.has(response.status) ? 'unavailable' : 'bad_response',
    message: `the server answered ${response.status} without an error envelope`,
    requestId: response.headers.get('x-request-id'),
    retryAfter,
  });
}

/**
 * A W3C traceparent for one request: the trace starts here, in the browser, and nginx, the API,
 * the queue and the processor carry it on (sampled). Written by hand: the OpenTelemetry browser
 * SDK would cost about 23 KB of the page's JavaScript. The browser's own span is not sent.
 */
export function newTraceparent(
  random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const hex = (bytes: number) =>
    Array.from(random(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  let traceId = hex(16);
  let spanId = hex(8);
  // All-zero ids are invalid; the odds are nil, but the rule is cheap to keep.
  if (/^0+$/.test(traceId)) traceId = `${traceId.slice(0, 31)}1`;
  if (/^0+$/.test(spanId)) spanId = `${spanId.slice(0, 15)}1`;
  return `00-${traceId}-${spanId}-01`;
}

const defaultFetch: FetchLike = (input, init) => globalThis.fetch(input, init);
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createApiClient(options: ApiClientOptions = {}) {
  const fetchImpl = options.fetch ?? defaultFetch;
  const sleep = options.sleep ?? defaultSleep;

  let csrfToken: string | null = null;
  let csrfPending: Promise<string> | null = null;
  let servedBy: ServedBy = { colour: null, build: null };
  const servedByListeners = new Set<() => void>();
  let onSessionExpired: (() => void) | null = null;

  function noteServedBy(headers: Headers) {
    const colour = headers.get('x-echobase-colour');
    const build = headers.get('x-echobase-build');
    // A response without either header (a proxy's own error page) tells us nothing new.
    if (colour === null && build === null) return;
    if (colour === servedBy.colour && build === servedBy.build) return;
    servedBy = { colour, build };
    for (const listener of servedByListeners) listener();
  }

  async function send<T>(method: 'GET' | 'POST', path: string, opts: RequestOptions = {}) {
    const headers: Record<string, string> = {
      accept: 'application/json',
      traceparent: newTraceparent(),
      ...opts.headers,
    };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers[CSRF_HEADER] = await ensureCsrf();

    let response: Response;
    try {
      response = await fetchImpl(`${API_BASE}${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        cache: 'no-store',
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
    } catch {
      throw new ApiError({
        status: 0,
        code: 'network_error',
        message: 'the server could not be reached',
      });
    }
    noteServedBy(response.headers);
    const body = await readJson(response);
    if (!response.ok) {
      const error = errorFromResponse(response, body);
      if (error.status === 401 && !opts.sessionProbe) onSessionExpired?.();
      throw error;
    }
    if (body === undefined) {
      throw new ApiError({
        status: response.status,
        code: 'bad_response',
        message: 'the server answered without JSON',
        requestId: response.headers.get('x-request-id'),
      });
    }
    return { status: response.status, data: body as T } satisfies Answer<T>;
  }

  function fetchCsrf(): Promise<string> {
    csrfPending ??= send<{ csrfToken: string }>('GET', '/auth/csrf')
      .then(({ data }) => {
        csrfToken = data.csrfToken;
        return data.csrfToken;
      })
      .finally(() => {
        csrfPending = null;
      });
    return csrfPending;
  }

  function ensureCsrf(): Promise<string> {
    return csrfToken !== null ? Promise.resolve(csrfToken) : fetchCsrf();
  }

  /** A POST; a refused CSRF token (expired, or from before a login) is renewed and sent once more. */
  async function post<T>(path: string, opts: RequestOptions = {}): Promise<Answer<T>> {
    try {
      return await send<T>('POST', path, opts);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'csrf_failed') throw error;
      csrfToken = null;
      await fetchCsrf();
      return send<T>('POST', path, opts);
    }
  }

  function keepCsrf(data: unknown) {
    if (isObject(data) && typeof data.csrfToken === 'string') csrfToken = data.csrfToken;
  }

  return {
    /** The colour and build of the latest answer; the same object until they change. */
    servedBy: (): ServedBy => servedBy,
    subscribeServedBy(listener: () => void): () => void {
      servedByListeners.add(listener);
      return () => servedByListeners.delete(listener);
    },
    /** Called on any 401 outside login and the start-up session check. */
    setSessionExpiredHandler(handler: (() => void) | null) {
      onSessionExpired = handler;
    },

    /** Fetches a fresh CSRF token (and learns which colour answers). */
    async start(): Promise<void> {
      csrfToken = null;
      await fetchCsrf();
    },

    /** The signed-in user, or null when there is no valid session. */
    async me(): Promise<User | null> {
      try {
        const { data } = await send<{ user: User }>('GET', '/auth/me', { sessionProbe: true });
        return data.user;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },

    async register(email: string, password: string): Promise<User> {
      const { data } = await post<{ user: User; csrfToken: string }>('/auth/register', {
        body: { email, password },
        sessionProbe: true,
      });
      keepCsrf(data);
      return data.user;
    },

    async login(email: string, password: string): Promise<User> {
      const { data } = await post<{ user: User; csrfToken: string }>('/auth/login', {
        body: { email, password },
        sessionProbe: true,
      });
      keepCsrf(data);
      return data.user;
    },

    /** Ends the session; an already-ended one counts as logged out too. */
    async logout(): Promise<void> {
      try {
        const { data } = await post<{ csrfToken: string }>('/auth/logout', { sessionProbe: true });
        keepCsrf(data);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 401) throw error;
        csrfToken = null;
      }
    },

    async products(): Promise<Product[]> {
      const { data } = await send<Page<Product>>('GET', '/products?page=1&pageSize=100');
      return data.items;
    },

    /**
     * Places one order attempt. Every try sends the same Idempotency-Key, so a retry after a
     * lost answer, a 503 or a gateway error never makes a second order.
     */
    async placeOrder(input: PlaceOrderInput, idempotencyKey: string): Promise<Accepted> {
      for (let attempt = 1; ; attempt++) {
        try {
          const { status, data } = await post<{ orderId: string; status: OrderStatus }>('/orders', {
            body: input,
            headers: { [IDEMPOTENCY_HEADER]: idempotencyKey },
          });
          return { orderId: data.orderId, status: data.status, replayed: status === 200 };
        } catch (error) {
          const retryable = error instanceof ApiError && RETRYABLE.has(error.code);
          if (!retryable || attempt >= PLACE_ORDER_TRIES) throw error;
          const waitMs =
            error.retryAfter !== null
              ? Math.min(error.retryAfter * 1000, 5000)
              : 500 * 2 ** (attempt - 1);
          await sleep(waitMs);
        }
      }
    },

    async order(orderId: string): Promise<Order> {
      const { data } = await send<Order>('GET', `/orders/${encodeURIComponent(orderId)}`);
      return data;
    },

    async orders(page: number, pageSize: number): Promise<Page<Order>> {
      const { data } = await send<Page<Order>>(
        'GET',
        `/orders?page=${encodeURIComponent(page)}&pageSize=${encodeURIComponent(pageSize)}`,
      );
      return data;
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/**
 * A fresh Idempotency-Key: a UUID fits the API's 8–128 characters of [A-Za-z0-9_.:-].
 * crypto.randomUUID exists only in secure contexts (https, localhost); plain http on another
 * host falls back to a v4 UUID built from getRandomValues, which exists everywhere.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
