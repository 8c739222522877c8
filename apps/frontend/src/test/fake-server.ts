import type { Order, Product } from '../api/client';

/** One request the app made, as the fake server saw it. */
export interface Call {
  method: string;
  /** Path and query, e.g. "/api/v1/orders?page=1&pageSize=10". */
  url: string;
  /** Path alone, e.g. "/api/v1/orders". */
  path: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this text as text/html instead of JSON. */
  html?: string;
}

type Handler = FakeResponse | ((call: Call) => FakeResponse) | 'network-error';

/**
 * A stand-in for fetch: routes "METHOD /path" to answers; a list of answers is used in turn
 * (the last one repeats). It answers with minimal Response-like objects so no real streams or
 * timers are involved (tests may fake the clock).
 */
export function fakeServer(
  routes: Record<string, Handler | Handler[]>,
  identity: { colour?: string; build?: string } = { colour: 'blue', build: 'abc123' },
) {
  const calls: Call[] = [];
  const served = new Map<string, number>();

  async function fetch(input: string, init: RequestInit): Promise<Response> {
    const url = new URL(input, 'http://localhost');
    const method = init.method ?? 'GET';
    const call: Call = {
      method,
      url: url.pathname + url.search,
      path: url.pathname,
      headers: Object.fromEntries(
        Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [
          k.toLowerCase(),
          v,
        ]),
      ),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
    };
    calls.push(call);
    const key = `${method} ${url.pathname}`;
    const route = routes[key];
    if (route === undefined) throw new Error(`fake server: no route for ${key}`);
    const list = Array.isArray(route) ? route : [route];
    const index = served.get(key) ?? 0;
    served.set(key, index + 1);
    const handler = list[Math.min(index, list.length - 1)] as Handler;
    if (handler === 'network-error') throw new TypeError('Failed to fetch');
    const answer = typeof handler === 'function' ? handler(call) : handler;
    const headers = new Headers(answer.headers);
    if (identity.colour && !headers.has('x-echobase-colour'))
      headers.set('x-echobase-colour', identity.colour);
    if (identity.build && !headers.has('x-echobase-build'))
      headers.set('x-echobase-build', identity.build);
    if (answer.html !== undefined) headers.set('content-type', 'text/html');
    else if (answer.body !== undefined) headers.set('content-type', 'application/json');
    const response = {
      ok: answer.status >= 200 && answer.status < 300,
      status: answer.status,
      headers,
      json: async () => answer.body,
      text: async () => answer.html ?? JSON.stringify(answer.body),
    };
    return response as unknown as Response;
  }

  return {
    fetch,
    calls,
    callsTo: (key: string) => calls.filter((c) => `${c.method} ${c.path}` === key),
  };
}

export function ok(body: unknown, headers?: Record<string, string>): FakeResponse {
  return { status: 200, body, ...(headers ? { headers } : {}) };
}

export function fail(
  status: number,
  code: string,
  message: string,
  extra: { details?: { field: string; message: string }[]; headers?: Record<string, string> } = {},
): FakeResponse {
  return {
    status,
    body: {
      error: {
        code,
        message,
        requestId: 'req-1234',
        ...(extra.details ? { details: extra.details } : {}),
      },
    },
    ...(extra.headers ? { headers: extra.headers } : {}),
  };
}

export const PRODUCTS: Product[] = [
  { id: 1, sku: 'QS-001', name: 'Quantum Stabilizer', price: '249.99' },
  { id: 2, sku: 'PC-042', name: 'Plasma Conduit', price: '89.50' },
];

export function order(overrides: Partial<Order> = {}): Order {
  return {
    orderId: '0b6f1c7e-1d2a-5c3b-9e4f-a1b2c3d4e5f6',
    productId: 2,
    productSku: 'PC-042',
    productName: 'Plasma Conduit',
    unitPrice: '89.50',
    quantity: 3,
    total: '268.50',
    status: 'queued',
    createdAt: '2026-01-02T10:00:00.000Z',
    ...overrides,
  };
}

export const noSleep = () => Promise.resolve();
