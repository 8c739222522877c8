import { gzipSync } from 'node:zlib';
import { Client } from '@echobase/test-kit/http';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, jwtSigningKey, startApi } from './support.js';

/**
 * Every kind of bad input gets its documented 4xx answer in the error envelope: never a 5xx,
 * never a stack trace, SQL or a submitted secret in the reply, and the server stays up.
 */
let api: Harness;
let signedIn: Client;
let userId: number;
let signingKey: string;

beforeAll(async () => {
  api = await startApi();
  signedIn = new Client(api.url);
  userId = (await signedIn.registerNew('bad-input')).id;
  signingKey = await jwtSigningKey();
});
afterAll(() => api?.close());

interface Case {
  name: string;
  method?: string;
  path: string;
  json?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Which client sends it: signed in (default for orders), anonymous with a CSRF token, or bare. */
  as?: 'user' | 'anonymous' | 'bare';
  cookie?: () => string;
  status: number;
  code: string;
}

const SQL = "' OR '1'='1'; DROP TABLE users; --";
const SCRIPT = '<script>alert(1)</script>';
const PASSWORD = 'Secret-Password-999';
const key = { 'idempotency-key': 'bad-input-key-0001' };
const big = 'x'.repeat(20 * 1024);

function token(
  claims: Record<string, unknown>,
  options: jwt.SignOptions = {},
  key = signingKey,
): string {
  const expiry = 'exp' in claims ? {} : { expiresIn: 600 };
  return jwt.sign(claims, key, {
    algorithm: 'HS256',
    issuer: 'echobase',
    audience: 'echobase-web',
    subject: String(userId),
    ...expiry,
    ...options,
  });
}

const register = (json: unknown): Partial<Case> => ({
  method: 'POST',
  path: '/api/v1/auth/register',
  json,
  as: 'anonymous',
});
const login = (json: unknown): Partial<Case> => ({
  method: 'POST',
  path: '/api/v1/auth/login',
  json,
  as: 'anonymous',
});
const order = (json: unknown, headers: Record<string, string> = key): Partial<Case> => ({
  method: 'POST',
  path: '/api/v1/orders',
  json,
  headers,
  as: 'user',
});
const withCookie = (value: () => string): Partial<Case> => ({
  path: '/api/v1/orders',
  as: 'bare',
  cookie: () => `echobase_session=${value()}`,
});

const cases: Case[] = [
  // register: types, missing fields, rules, shapes
  {
    name: 'register: empty object',
    ...register({}),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: email missing',
    ...register({ password: PASSWORD }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: password missing',
    ...register({ email: 'a@example.com' }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: email is a number',
    ...register({ email: 42, password: PASSWORD }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: password is a number',
    ...register({ email: 'a@example.com', password: 123456789012 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: email is not an email',
    ...register({ email: 'not-an-email', password: PASSWORD }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: email too long',
    ...register({ email: `${'a'.repeat(250)}@example.com`, password: PASSWORD }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: password too short',
    ...register({ email: 'a@example.com', password: 'short1' }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: password without a digit',
    ...register({ email: 'a@example.com', password: 'no digits in here' }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: password without a letter',
    ...register({ email: 'a@example.com', password: '1234567890123' }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: password too long',
    ...register({ email: 'a@example.com', password: `a1${'x'.repeat(200)}` }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: unknown extra field',
    ...register({ email: 'a@example.com', password: PASSWORD, admin: true }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: body is an array',
    ...register([{ email: 'a@example.com', password: PASSWORD }]),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: SQL in email',
    ...register({ email: SQL, password: PASSWORD }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: SQL in email local part',
    ...register({ email: `${SQL}@example.com`, password: PASSWORD }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: script in email',
    ...register({ email: `${SCRIPT}@example.com`, password: PASSWORD }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: null email',
    ...register({ email: null, password: PASSWORD }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'register: email as object',
    ...register({ email: { $gt: '' }, password: PASSWORD }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  // bodies that are not JSON, not allowed, too large
  {
    name: 'register: malformed JSON',
    method: 'POST',
    path: '/api/v1/auth/register',
    raw: '{"email": "a@example.com",',
    contentType: 'application/json',
    as: 'anonymous',
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'register: a bare JSON string',
    method: 'POST',
    path: '/api/v1/auth/register',
    raw: '"hello"',
    contentType: 'application/json',
    as: 'anonymous',
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'register: text/plain',
    method: 'POST',
    path: '/api/v1/auth/register',
    raw: 'email=a',
    contentType: 'text/plain',
    as: 'anonymous',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'register: form-urlencoded',
    method: 'POST',
    path: '/api/v1/auth/register',
    raw: 'email=a&password=b',
    contentType: 'application/x-www-form-urlencoded',
    as: 'anonymous',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'register: XML',
    method: 'POST',
    path: '/api/v1/auth/register',
    raw: '<user/>',
    contentType: 'application/xml',
    as: 'anonymous',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'register: oversized body',
    ...register({ email: 'a@example.com', password: PASSWORD, pad: big }),
    status: 413,
    code: 'payload_too_large',
  } as Case,
  // login
  {
    name: 'login: no CSRF token',
    method: 'POST',
    path: '/api/v1/auth/login',
    json: { email: 'a@example.com', password: PASSWORD },
    as: 'bare',
    status: 403,
    code: 'csrf_failed',
  },
  {
    name: 'login: forged CSRF token',
    ...login({ email: 'a@example.com', password: PASSWORD }),
    headers: { 'x-csrf-token': 'forged-token' },
    status: 403,
    code: 'csrf_failed',
  } as Case,
  {
    name: 'login: SQL as email',
    ...login({ email: SQL, password: PASSWORD }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'login: SQL as password',
    ...login({ email: 'nobody@example.com', password: SQL }),
    status: 401,
    code: 'unauthenticated',
  } as Case,
  {
    name: 'login: script as password',
    ...login({ email: 'nobody@example.com', password: SCRIPT }),
    status: 401,
    code: 'unauthenticated',
  } as Case,
  {
    name: 'login: empty password',
    ...login({ email: 'nobody@example.com', password: '' }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'login: password as array',
    ...login({ email: 'nobody@example.com', password: [PASSWORD] }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'login: missing everything',
    ...login({}),
    status: 400,
    code: 'validation_failed',
  } as Case,
  // orders: session, header, body
  {
    name: 'orders: not signed in',
    method: 'POST',
    path: '/api/v1/orders',
    json: { productId: 1, quantity: 1 },
    headers: key,
    as: 'anonymous',
    status: 401,
    code: 'unauthenticated',
  },
  {
    name: 'orders: no Idempotency-Key',
    ...order({ productId: 1, quantity: 1 }, {}),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: Idempotency-Key too short',
    ...order({ productId: 1, quantity: 1 }, { 'idempotency-key': 'abc' }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: SQL in Idempotency-Key',
    ...order({ productId: 1, quantity: 1 }, { 'idempotency-key': SQL }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: script in Idempotency-Key',
    ...order({ productId: 1, quantity: 1 }, { 'idempotency-key': SCRIPT }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: productId as string',
    ...order({ productId: '1', quantity: 1 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: productId as float',
    ...order({ productId: 1.5, quantity: 1 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: productId negative',
    ...order({ productId: -1, quantity: 1 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: productId zero',
    ...order({ productId: 0, quantity: 1 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: productId huge',
    ...order({ productId: 1e20, quantity: 1 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: productId SQL',
    ...order({ productId: SQL, quantity: 1 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: productId script',
    ...order({ productId: SCRIPT, quantity: 1 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: unknown product',
    ...order({ productId: 999, quantity: 1 }),
    status: 422,
    code: 'unprocessable',
  } as Case,
  {
    name: 'orders: quantity missing',
    ...order({ productId: 1 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: quantity zero',
    ...order({ productId: 1, quantity: 0 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: quantity negative',
    ...order({ productId: 1, quantity: -5 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: quantity huge',
    ...order({ productId: 1, quantity: 1_000_000_000 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: quantity fractional',
    ...order({ productId: 1, quantity: 1.5 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: quantity as string',
    ...order({ productId: 1, quantity: '2' }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: quantity null',
    ...order({ productId: 1, quantity: null }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: quantity as infinity',
    method: 'POST',
    path: '/api/v1/orders',
    raw: '{"productId":1,"quantity":1e400}',
    contentType: 'application/json',
    headers: key,
    as: 'user',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'orders: client-supplied price',
    ...order({ productId: 1, quantity: 1, price: '0.01' }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: client-supplied total',
    ...order({ productId: 1, quantity: 1, total: 0 }),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: body is an array',
    ...order([{ productId: 1, quantity: 1 }]),
    status: 400,
    code: 'validation_failed',
  } as Case,
  {
    name: 'orders: malformed JSON',
    method: 'POST',
    path: '/api/v1/orders',
    raw: '{productId: 1}',
    contentType: 'application/json',
    headers: key,
    as: 'user',
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'orders: text/plain',
    method: 'POST',
    path: '/api/v1/orders',
    raw: 'productId=1',
    contentType: 'text/plain',
    headers: key,
    as: 'user',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'orders: oversized body',
    ...order({ productId: 1, quantity: 1, pad: big }),
    status: 413,
    code: 'payload_too_large',
  } as Case,
  {
    name: 'orders: missing CSRF token',
    method: 'POST',
    path: '/api/v1/orders',
    json: { productId: 1, quantity: 1 },
    headers: { ...key, 'x-csrf-token': '' },
    as: 'user',
    status: 403,
    code: 'csrf_failed',
  },
  // listing and reading
  {
    name: 'list: page zero',
    path: '/api/v1/orders?page=0',
    as: 'user',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'list: page not a number',
    path: '/api/v1/orders?page=abc',
    as: 'user',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'list: pageSize too large',
    path: '/api/v1/orders?pageSize=1000',
    as: 'user',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'list: pageSize negative',
    path: '/api/v1/orders?pageSize=-1',
    as: 'user',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'list: SQL in page',
    path: `/api/v1/orders?page=${encodeURIComponent(SQL)}`,
    as: 'user',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'list: unknown parameter',
    path: '/api/v1/orders?sort=price',
    as: 'user',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'products: page not a number',
    path: '/api/v1/products?page=x',
    as: 'anonymous',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'order: id not a UUID',
    path: '/api/v1/orders/123',
    as: 'user',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'order: SQL as id',
    path: `/api/v1/orders/${encodeURIComponent(SQL)}`,
    as: 'user',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'order: script as id',
    path: `/api/v1/orders/${encodeURIComponent(SCRIPT)}`,
    as: 'user',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'order: unknown id',
    path: '/api/v1/orders/7c9e6679-7425-40de-944b-e07fc1f90ae7',
    as: 'user',
    status: 404,
    code: 'not_found',
  },
  // sessions: tampered, expired, alg none, wrong key, wrong claims, garbage
  {
    name: 'jwt: tampered payload',
    ...withCookie(() => {
      const [h, , s] = token({ email: 'x@example.com', sid: 's' }).split('.');
      return `${h}.${Buffer.from(JSON.stringify({ sub: '1', email: 'x@example.com', sid: 's', iss: 'echobase', aud: 'echobase-web' })).toString('base64url')}.${s}`;
    }),
    status: 401,
    code: 'unauthenticated',
  } as Case,
  {
    name: 'jwt: expired',
    ...withCookie(() =>
      token({ email: 'x@example.com', sid: 's', exp: Math.floor(Date.now() / 1000) - 60 }, {}),
    ),
    status: 401,
    code: 'unauthenticated',
  } as Case,
  {
    name: 'jwt: alg none',
    ...withCookie(
      () =>
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: String(userId), email: 'x@example.com', sid: 's', iss: 'echobase', aud: 'echobase-web', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.`,
    ),
    status: 401,
    code: 'unauthenticated',
  } as Case,
  {
    name: 'jwt: signed with another key',
    ...withCookie(() =>
      token({ email: 'x@example.com', sid: 's' }, {}, 'another-key-that-is-at-least-32-chars-long'),
    ),
    status: 401,
    code: 'unauthenticated',
  } as Case,
  {
    name: 'jwt: wrong audience',
    ...withCookie(() => token({ email: 'x@example.com', sid: 's' }, { audience: 'someone-else' })),
    status: 401,
    code: 'unauthenticated',
  } as Case,
  {
    name: 'jwt: wrong issuer',
    ...withCookie(() => token({ email: 'x@example.com', sid: 's' }, { issuer: 'evil' })),
    status: 401,
    code: 'unauthenticated',
  } as Case,
  {
    name: 'jwt: HS512 instead of the pinned HS256',
    ...withCookie(() => token({ email: 'x@example.com', sid: 's' }, { algorithm: 'HS512' })),
    status: 401,
    code: 'unauthenticated',
  } as Case,
  {
    name: 'jwt: garbage cookie',
    ...withCookie(() => 'not.a.jwt'),
    status: 401,
    code: 'unauthenticated',
  } as Case,
  // routes
  { name: 'unknown route', path: '/api/v1/nope', as: 'anonymous', status: 404, code: 'not_found' },
  {
    name: 'unknown method on a route',
    method: 'DELETE',
    path: '/api/v1/products',
    as: 'user',
    status: 404,
    code: 'not_found',
  },
];

describe('bad input', () => {
  it('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    let client: Client;
    if (c.as === 'user') client = signedIn;
    else {
      client = new Client(api.url);
      if (c.as === 'anonymous') await client.fetchCsrf();
    }
    const headers = { ...c.headers, ...(c.cookie ? { cookie: c.cookie() } : {}) };
    const reply = c.cookie
      ? await fetch(`${api.url}${c.path}`, { headers }).then(async (r) => ({
          status: r.status,
          text: await r.text(),
        }))
      : await client.request(c.method ?? 'GET', c.path, {
          json: c.json,
          raw: c.raw,
          contentType: c.contentType,
          headers,
        });
    expect(reply.status).toBe(c.status);
    const body = JSON.parse(reply.text);
    expect(body.error.code).toBe(c.code);
    expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof body.error.message).toBe('string');
    for (const leak of [PASSWORD, SQL, SCRIPT, 'DROP TABLE', 'node_modules', 'SELECT ', 'ER_']) {
      expect(reply.text, `reply leaks ${leak}`).not.toContain(leak);
    }
    expect(reply.text, 'reply holds a stack trace').not.toMatch(/at \S+ \(?[^)]*:\d+:\d+\)?/);
  });

  it('is still up and placing good orders afterwards', async () => {
    expect((await fetch(`${api.url}/health/live`)).status).toBe(200);
    const reply = await signedIn.placeOrder(1, 1);
    expect(reply.status).toBe(202);
  });
});

/**
 * Bodies the parser refuses, sent straight to the API with nothing else wrong: each is the
 * client's fault and a 4xx (500s for these rolled back a deploy under --watch).
 */
describe('bodies that cannot be read', () => {
  const login = '{"email":"a@example.com","password":"Secret-Password-999"}';
  it.each([
    { name: 'Content-Encoding: bogus', body: login, encoding: 'bogus', status: 415 },
    { name: 'gzip header, plain body', body: login, encoding: 'gzip', status: 400 },
    {
      name: 'truncated gzip',
      body: gzipSync(login).subarray(0, 12),
      encoding: 'gzip',
      status: 400,
    },
    { name: 'deflate header, plain body', body: login, encoding: 'deflate', status: 400 },
    { name: 'br header, plain body', body: login, encoding: 'br', status: 400 },
    {
      name: 'a gzip bomb',
      body: gzipSync(Buffer.alloc(1 << 20, 32)),
      encoding: 'gzip',
      status: 413,
    },
    { name: 'charset=koi8-r', body: login, charset: 'koi8-r', status: 415 },
    { name: 'charset=bogus', body: login, charset: 'bogus', status: 415 },
  ])('$name: $status', async ({ body, encoding, charset, status }) => {
    const res = await fetch(`${api.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': `application/json${charset ? `; charset=${charset}` : ''}`,
        ...(encoding ? { 'content-encoding': encoding } : {}),
      },
      body,
    });
    const text = await res.text();
    expect(res.status).toBe(status);
    const reply = JSON.parse(text);
    expect(reply.error.code).toBe(
      { 400: 'bad_request', 413: 'payload_too_large', 415: 'unsupported_media_type' }[status],
    );
    expect(reply.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toMatch(/Z_DATA_ERROR|Z_BUF_ERROR|incorrect header check|zlib/);
  });
});
