import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { appPool, createDbProxy } from '@echobase/test-kit/db';
import { Client, type Json, type Reply } from '@echobase/test-kit/http';
import { waitFor } from '@echobase/test-kit/poll';
import argon2 from 'argon2';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Harness, startApi } from './support.js';

/** The load balancer as the API sees it: its own loopback address (nginx's proxy_bind). */
const PROXY = '127.0.0.2';

let api: Harness;
beforeAll(async () => {
  api = await startApi({
    throttleLimits: {
      perAccountAndClient: 5,
      perClient: 50,
      blockSeconds: 900,
      registrationsPerClient: 20,
    },
    trustedProxies: [PROXY],
  });
});
afterAll(() => api?.close());

/**
 * A POST as it reaches the API from `from` (a local address to send from), with the client's
 * cookies and CSRF token and any extra headers such as X-Forwarded-For.
 */
function postFrom(
  from: string,
  client: Client,
  path: string,
  json: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const url = new URL(path, api.url);
  const body = JSON.stringify(json);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress: from,
        headers: {
          'content-type': 'application/json',
          cookie: client.cookieHeader(),
          'x-csrf-token': client.csrfToken ?? '',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers))
            if (typeof v === 'string') headers.set(k, v);
          resolve({ status: res.statusCode ?? 0, headers, text, body: JSON.parse(text) as Json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('auth', () => {
  it('registers, signs in with an HttpOnly Secure SameSite=Strict cookie, and knows who you are', async () => {
    const client = new Client(api.url);
    await client.fetchCsrf();
    const email = `Alice-${Date.now()}@Example.COM`;
    const reg = await client.request('POST', '/api/v1/auth/register', {
      json: { email, password: 'a long password 123' },
    });
    expect(reg.status).toBe(201);
    expect(reg.body.user.email).toBe(email.toLowerCase());
    const cookie = reg.headers.getSetCookie().find((c) => c.startsWith('echobase_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);

    const me = await client.request('GET', '/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual({ id: reg.body.user.id, email: email.toLowerCase() });

    const fresh = new Client(api.url);
    await fresh.fetchCsrf();
    const login = await fresh.request('POST', '/api/v1/auth/login', {
      json: { email, password: 'a long password 123' },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(reg.body.user.id);
  });

  it('stores an argon2id hash, never the password', async () => {
    const client = new Client(api.url);
    const user = await client.registerNew();
    const [rows] = await api.pool.query('SELECT password_hash AS h FROM users WHERE id = ?', [
      user.id,
    ]);
    const hash = (rows as { h: string }[])[0]?.h ?? '';
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(hash).not.toContain(user.password);
  });

  it('refuses a duplicate account with 409', async () => {
    const client = new Client(api.url);
    const user = await client.registerNew();
    const again = new Client(api.url);
    await again.fetchCsrf();
    const reply = await again.request('POST', '/api/v1/auth/register', {
      json: { email: user.email, password: user.password },
    });
    expect(reply.status).toBe(409);
    expect(reply.body.error.code).toBe('conflict');
  });

  it('answers a wrong password and an unknown user alike', async () => {
    const client = new Client(api.url);
    const user = await client.registerNew();
    const other = new Client(api.url);
    await other.fetchCsrf();
    const wrong = await other.request('POST', '/api/v1/auth/login', {
      json: { email: user.email, password: 'not it at all 1' },
    });
    const unknown = await other.request('POST', '/api/v1/auth/login', {
      json: { email: `nobody-${Date.now()}@example.com`, password: 'not it at all 1' },
    });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    expect(wrong.text).not.toContain('not it at all 1');
  });

  it('really revokes a session on logout: the old cookie no longer works', async () => {
    const client = new Client(api.url);
    await client.registerNew();
    const stolen = client.cookieHeader();
    const out = await client.request('POST', '/api/v1/auth/logout');
    expect(out.status).toBe(200);
    expect(client.cookies.has('echobase_session')).toBe(false);
    const replay = await fetch(`${api.url}/api/v1/auth/me`, { headers: { cookie: stolen } });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as Json).error.code).toBe('unauthenticated');
  });

  it('throttles one account from one client, without locking its owner out elsewhere', async () => {
    const owner = new Client(api.url);
    const user = await owner.registerNew();
    const attacker = new Client(api.url);
    await attacker.fetchCsrf();
    const from = { 'x-forwarded-for': '203.0.113.9' };
    for (let i = 0; i < 5; i++) {
      const r = await postFrom(
        PROXY,
        attacker,
        '/api/v1/auth/login',
        { email: user.email, password: `guess ${i} wrong` },
        from,
      );
      expect(r.status).toBe(401);
    }
    const blocked = await postFrom(
      PROXY,
      attacker,
      '/api/v1/auth/login',
      { email: user.email, password: user.password },
      from,
    );
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_requests');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);

    const elsewhere = new Client(api.url);
    await elsewhere.fetchCsrf();
    const ok = await postFrom(
      PROXY,
      elsewhere,
      '/api/v1/auth/login',
      { email: user.email, password: user.password },
      { 'x-forwarded-for': '198.51.100.7' },
    );
    expect(ok.status).toBe(200);
  });

  it('ignores X-Forwarded-For from anyone but the load balancer: a forged one lifts no lockout', async () => {
    const owner = new Client(api.url);
    const user = await owner.registerNew();
    const attacker = new Client(api.url);
    await attacker.fetchCsrf();
    for (let i = 0; i < 5; i++) {
      const r = await attacker.request('POST', '/api/v1/auth/login', {
        json: { email: user.email, password: `guess ${i} wrong` },
      });
      expect(r.status).toBe(401);
    }
    const forged = await attacker.request('POST', '/api/v1/auth/login', {
      json: { email: user.email, password: user.password },
      headers: { 'x-forwarded-for': '198.51.100.99' },
    });
    expect(forged.status).toBe(429);
    // The same forged header from the load balancer's address is the client nginx saw.
    const proxied = await postFrom(
      PROXY,
      attacker,
      '/api/v1/auth/login',
      { email: user.email, password: user.password },
      { 'x-forwarded-for': '198.51.100.99' },
    );
    expect(proxied.status).toBe(200);
  });

  for (const burst of [8, 25]) {
    it(`checks only 5 of ${burst} simultaneous wrong passwords for one account; the rest get 429`, async () => {
      const owner = new Client(api.url);
      const user = await owner.registerNew();
      const attacker = new Client(api.url);
      await attacker.fetchCsrf();
      const from = { 'x-forwarded-for': `203.0.113.${burst}` };
      const verify = vi.spyOn(argon2, 'verify');
      try {
        const replies = await Promise.all(
          Array.from({ length: burst }, (_, i) =>
            postFrom(
              PROXY,
              attacker,
              '/api/v1/auth/login',
              { email: user.email, password: `guess ${i} wrong` },
              from,
            ),
          ),
        );
        expect(verify).toHaveBeenCalledTimes(5);
        const statuses = replies.map((r) => r.status).sort();
        expect(statuses).toEqual([
          ...Array<number>(5).fill(401),
          ...Array<number>(burst - 5).fill(429),
        ]);
      } finally {
        verify.mockRestore();
      }
    });
  }

  it('gives the point back on a successful login', async () => {
    const owner = new Client(api.url);
    const user = await owner.registerNew();
    const from = { 'x-forwarded-for': '203.0.113.77' };
    const login = (password: string) =>
      postFrom(PROXY, owner, '/api/v1/auth/login', { email: user.email, password }, from);
    for (let i = 0; i < 4; i++) expect((await login(`guess ${i} wrong`)).status).toBe(401);
    expect((await login(user.password)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await login(`guess ${i} wrong`)).status).toBe(401);
    expect((await login(user.password)).status).toBe(429);
  });

  it('throttles registrations per client', async () => {
    const client = new Client(api.url);
    await client.fetchCsrf();
    const register = (i: number, forwardedFor: string) =>
      postFrom(
        PROXY,
        client,
        '/api/v1/auth/register',
        { email: `burst-${i}-${Date.now()}@example.com`, password: 'a long password 123' },
        { 'x-forwarded-for': forwardedFor },
      );
    for (let i = 0; i < 20; i++) expect((await register(i, '203.0.113.50')).status).toBe(201);
    const refused = await register(20, '203.0.113.50');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('too_many_requests');
    expect((await register(21, '203.0.113.51')).status).toBe(201);
  });

  it('requires the CSRF token on every state-changing request', async () => {
    const client = new Client(api.url);
    await client.registerNew();
    for (const [path, json] of [
      ['/api/v1/orders', { productId: 1, quantity: 1 }],
      ['/api/v1/auth/logout', undefined],
    ] as const) {
      const missing = await client.request('POST', path, {
        json,
        csrf: false,
        headers: { 'idempotency-key': 'csrf-test-key' },
      });
      expect(missing.status, path).toBe(403);
      expect(missing.body.error.code).toBe('csrf_failed');
      const forged = await client.request('POST', path, {
        json,
        headers: { 'x-csrf-token': 'forged', 'idempotency-key': 'csrf-test-key' },
      });
      expect(forged.status, path).toBe(403);
    }
    const anonymous = new Client(api.url);
    const noToken = await anonymous.request('POST', '/api/v1/auth/login', {
      json: { email: 'a@example.com', password: 'x' },
    });
    expect(noToken.status).toBe(403);
  });
});

const sidOf = (client: Client) =>
  (jwt.decode(client.cookies.get('echobase_session') ?? '') as { sid: string }).sid;

describe('revocations', () => {
  it('a logout during a database outage ends the session at once, and is recorded when the database is back', async () => {
    // To the API behind it, a real database outage (connections reset, new ones refused),
    // without stopping the shared server.
    const relay = await createDbProxy();
    const pool = await appPool({ host: '127.0.0.1', port: relay.port });
    const behindRelay = await startApi({ pool });
    try {
      const client = new Client(behindRelay.url);
      await client.registerNew('outage');
      const stolen = client.cookieHeader();
      const sid = sidOf(client);

      await relay.down();
      const out = await client.request('POST', '/api/v1/auth/logout');
      expect(out.status).toBe(200);
      expect(client.cookies.has('echobase_session')).toBe(false);
      const replay = await fetch(`${behindRelay.url}/api/v1/auth/me`, {
        headers: { cookie: stolen },
      });
      expect(replay.status).toBe(401);

      await relay.up();
      // Recorded for every other process (the other colour, a replica) once the database is back.
      await waitFor('the revocation to reach the database', async () => {
        const [rows] = await api.pool.query('SELECT 1 FROM revoked_sessions WHERE sid = ?', [sid]);
        return (rows as unknown[]).length === 1;
      });
      await api.app.revocations.refresh();
      expect(api.app.revocations.has(sid)).toBe(true);
    } finally {
      await behindRelay.close();
      await pool.end();
      await relay.close().catch(() => undefined);
    }
  });

  it('a refresh sees a revocation committed after a later one (out of id order)', async () => {
    const early = await api.pool.getConnection();
    const expires = new Date(Date.now() + 3600_000);
    const [first, second] = [`early-${randomUUID()}`, `late-${randomUUID()}`];
    try {
      await early.beginTransaction();
      await early.query(
        'INSERT INTO revoked_sessions (sid, user_id, expires_at) VALUES (?, 1, ?)',
        [first, expires],
      );
      // The other colour's logout takes the next id and commits first.
      await api.pool.query(
        'INSERT INTO revoked_sessions (sid, user_id, expires_at) VALUES (?, 1, ?)',
        [second, expires],
      );
      await api.app.revocations.refresh();
      expect(api.app.revocations.has(second)).toBe(true);
      expect(api.app.revocations.has(first)).toBe(false);
      await early.commit();
      await api.app.revocations.refresh();
      expect(api.app.revocations.has(first)).toBe(true);
    } finally {
      early.release();
    }
  });
});

describe('products', () => {
  it('lists the catalogue with prices from the database, paginated', async () => {
    const client = new Client(api.url);
    const first = await client.request('GET', '/api/v1/products?pageSize=5');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ page: 1, pageSize: 5, total: 11 });
    expect(first.body.items[0]).toEqual({
      id: 1,
      sku: 'QS-001',
      name: 'Quantum Stabilizer',
      price: '249.99',
    });
    const last = await client.request('GET', '/api/v1/products?page=3&pageSize=5');
    expect(last.body.items.map((p: { sku: string }) => p.sku)).toEqual(['WC-606']);
  });
});

describe('health, headers and the API description', () => {
  it('reports liveness and readiness with each dependency', async () => {
    const live = await fetch(`${api.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${api.url}/health/ready`);
    const body = (await ready.json()) as Json;
    expect(ready.status).toBe(200);
    expect(body.status).toBe('ready');
    for (const check of ['database', 'schema', 'queue', 'secrets', 'catalogue'])
      expect(body.checks[check].ok, check).toBe(true);
  });

  it('sets security headers, the request id, colour and build', async () => {
    const res = await fetch(`${api.url}/api/v1/products`, {
      headers: { 'x-request-id': 'trace-me-123' },
    });
    expect(res.headers.get('x-request-id')).toBe('trace-me-123');
    expect(res.headers.get('x-echobase-colour')).toBe('blue');
    expect(res.headers.get('x-echobase-build')).toBe('test');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('serves an OpenAPI document built from the validation schemas', async () => {
    const res = await fetch(`${api.url}/api/v1/openapi.json`);
    const doc = (await res.json()) as Json;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/register',
        '/api/v1/auth/login',
        '/api/v1/orders',
        '/api/v1/orders/{id}',
        '/api/v1/products',
      ]),
    );
    const body = doc.paths['/api/v1/orders'].post.requestBody.content['application/json'].schema;
    expect(body.properties.quantity).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
  });
});
