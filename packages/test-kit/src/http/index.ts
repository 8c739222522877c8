import { randomUUID } from 'node:crypto';
import { type Agent, request } from 'node:http';

/** Response bodies in tests: checked by the assertions that read them. */
// biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary JSON and asserts on it
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

/** A password every rule accepts (12+ characters, a letter and a digit, not a common one). */
export const PASSWORD = 'correct horse 42 battery';

/** An address no other user has: every test (and benchmark) makes its own users. */
export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID()}@example.com`;
}

/** A browser-like client of the API: keeps cookies, sends the CSRF token it was given. */
export class Client {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(readonly baseUrl: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: string,
    path: string,
    options: {
      json?: unknown;
      raw?: string;
      contentType?: string;
      headers?: Record<string, string>;
      csrf?: boolean;
    } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader();
    if ((options.csrf ?? method !== 'GET') && this.csrfToken)
      headers['x-csrf-token'] ??= this.csrfToken;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.raw !== undefined) {
      body = options.raw;
      if (options.contentType) headers['content-type'] = options.contentType;
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const reply: Reply = { status: res.status, headers: res.headers, body: parsed, text };
    if (reply.body && typeof reply.body === 'object' && 'csrfToken' in reply.body) {
      this.csrfToken = (reply.body as { csrfToken: string }).csrfToken;
    }
    return reply;
  }

  async fetchCsrf(): Promise<void> {
    await this.request('GET', '/api/v1/auth/csrf');
  }

  /** Registers a new, unique user and leaves this client signed in as them. */
  async registerNew(label = 'user'): Promise<{ id: number; email: string; password: string }> {
    await this.fetchCsrf();
    const email = uniqueEmail(label);
    const reply = await this.request('POST', '/api/v1/auth/register', {
      json: { email, password: PASSWORD },
    });
    if (reply.status !== 201) throw new Error(`register failed: ${reply.status} ${reply.text}`);
    return { id: reply.body.user.id, email, password: PASSWORD };
  }

  async placeOrder(
    productId: number,
    quantity: number,
    key: string = randomUUID(),
  ): Promise<Reply> {
    return this.request('POST', '/api/v1/orders', {
      json: { productId, quantity },
      headers: { 'idempotency-key': key },
    });
  }
}

/** A signed-in session, for load tools that send their own requests. */
export interface Session {
  cookie: string;
  csrfToken: string;
  userId: number;
}

/** Registers a fresh user on the API at `baseUrl` and returns the session it is signed in with. */
export async function signUp(baseUrl: string, label = 'user'): Promise<Session> {
  const client = new Client(baseUrl);
  const user = await client.registerNew(label);
  return { cookie: client.cookieHeader(), csrfToken: client.csrfToken ?? '', userId: user.id };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request on a keep-alive `agent` (fetch cannot share one), for load that must reuse its
 * connections as a browser does; never retried. Fails with code TIMEOUT after `timeoutMs`.
 */
export function send(
  agent: Agent,
  target: { host: string; port: number; timeoutMs?: number },
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.host, port: target.port, method, path, headers, agent },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
        res.on('error', reject);
      },
    );
    if (target.timeoutMs !== undefined) {
      req.setTimeout(target.timeoutMs, () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
      );
    }
    req.on('error', reject);
    req.end(body);
  });
}
