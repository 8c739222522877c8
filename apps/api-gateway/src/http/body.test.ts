import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { createLogger } from '@echobase/infra/logger';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonBody } from './body.js';
import { errorHandler } from './errors.js';
import { requestId } from './request-id.js';
import { requireJsonBody } from './security.js';
import { createHttpServer } from './server.js';

/**
 * Every way body parsing can fail is the client's fault and gets a 4xx in the error envelope:
 * about 20 bodies answered 500 during `deploy --watch` roll a release back.
 */
let server: Server;
let url: string;

beforeAll(async () => {
  const app = express();
  app.use(requestId());
  app.use(requireJsonBody);
  app.use(jsonBody());
  app.post('/echo', (req, res) => {
    res.json({ body: req.body });
  });
  // Errors shaped as body-parser and raw-body raise them (http-errors), for the ones a client
  // cannot provoke reliably over a socket it is still reading from.
  app.get('/raise', (req) => {
    const status = Number(req.query.status);
    throw Object.assign(new Error(String(req.query.message)), {
      status,
      statusCode: status,
      expose: status < 500,
      ...(req.query.type ? { type: String(req.query.type) } : {}),
    });
  });
  app.use(errorHandler(createLogger({ name: 'body-test', level: 'silent' })));
  server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

async function post(body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

const json = '{"productId":1,"quantity":2}';
const base = () => url.replace(/\/echo$/, '');

const refused: {
  name: string;
  body: string | Buffer;
  headers: Record<string, string>;
  status: 400 | 413 | 415;
}[] = [
  {
    name: 'an unknown Content-Encoding',
    body: json,
    headers: { 'content-encoding': 'bogus' },
    status: 415,
  },
  {
    name: 'stacked encodings',
    body: gzipSync(gzipSync(json)),
    headers: { 'content-encoding': 'gzip, gzip' },
    status: 415,
  },
  { name: 'x-gzip', body: gzipSync(json), headers: { 'content-encoding': 'x-gzip' }, status: 415 },
  {
    name: 'gzip that is not gzip',
    body: json,
    headers: { 'content-encoding': 'gzip' },
    status: 400,
  },
  {
    name: 'truncated gzip',
    body: gzipSync(json).subarray(0, 12),
    headers: { 'content-encoding': 'gzip' },
    status: 400,
  },
  {
    name: 'gzip with a corrupt checksum',
    body: corruptTail(gzipSync(json)),
    headers: { 'content-encoding': 'gzip' },
    status: 400,
  },
  {
    name: 'deflate that is not deflate',
    body: json,
    headers: { 'content-encoding': 'deflate' },
    status: 400,
  },
  {
    name: 'brotli that is not brotli',
    body: json,
    headers: { 'content-encoding': 'br' },
    status: 400,
  },
  {
    name: 'a gzip bomb',
    body: gzipSync(Buffer.alloc(1 << 20, 32)),
    headers: { 'content-encoding': 'gzip' },
    status: 413,
  },
  {
    name: 'an unsupported charset',
    body: json,
    headers: { 'content-type': 'application/json; charset=koi8-r' },
    status: 415,
  },
  {
    name: 'an unknown charset',
    body: json,
    headers: { 'content-type': 'application/json; charset=bogus' },
    status: 415,
  },
  {
    name: 'UTF-16 JSON',
    body: json,
    headers: { 'content-type': 'application/json; charset=utf-16' },
    status: 400,
  },
  { name: 'malformed JSON', body: '{"productId":', headers: {}, status: 400 },
  { name: 'a bare JSON string', body: '"hello"', headers: {}, status: 400 },
  { name: 'too large', body: `{"pad":"${'x'.repeat(20_000)}"}`, headers: {}, status: 413 },
];

describe('request bodies the parser refuses', () => {
  it.each(refused)('$name: $status', async ({ body, headers, status }) => {
    const reply = await post(body, headers);
    expect(reply.status).toBe(status);
    expect(reply.body.error?.code).toBe(
      { 400: 'bad_request', 413: 'payload_too_large', 415: 'unsupported_media_type' }[status],
    );
  });

  it('still reads well-formed compressed bodies', async () => {
    for (const [encoding, body] of [
      ['gzip', gzipSync(json)],
      ['deflate', deflateSync(json)],
      ['br', brotliCompressSync(json)],
    ] as const) {
      const reply = await post(body, { 'content-encoding': encoding });
      expect(reply, encoding).toEqual({ status: 200, body: { body: JSON.parse(json) } });
    }
  });
});

describe('every error type body-parser and raw-body raise', () => {
  it.each([
    ['request.aborted', 400, 'bad_request'],
    ['request.size.invalid', 400, 'bad_request'],
    ['stream.encoding.set', 500, 'bad_request'],
    ['stream.not.readable', 500, 'bad_request'],
    ['entity.verify.failed', 403, 'bad_request'],
    ['entity.parse.failed', 400, 'bad_request'],
    ['entity.too.large', 413, 'payload_too_large'],
    ['encoding.unsupported', 415, 'unsupported_media_type'],
    ['charset.unsupported', 415, 'unsupported_media_type'],
    // A decoder's own error (zlib's Z_DATA_ERROR), wrapped as a 400 without a type.
    ['', 400, 'bad_request'],
  ])('%s (%i) is answered %s', async (type, status, code) => {
    const res = await fetch(
      `${base()}/raise?status=${status}&type=${type}&message=${encodeURIComponent('internal detail')}`,
    );
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(res.status).toBe(code === 'bad_request' ? 400 : status);
    expect(body.error.message).not.toContain('internal detail');
  });

  it('still answers 500, without the detail, for a server error that is not the body', async () => {
    const res = await fetch(`${base()}/raise?status=500&message=secret-detail`);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret-detail');
  });
});

/** Flips a byte of gzip's CRC-32 trailer: the deflate stream is fine, the check is not. */
function corruptTail(gz: Buffer): Buffer {
  const copy = Buffer.from(gz);
  const at = copy.length - 6;
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}

/** A client on a bare socket: sends exactly what it is given, keeps what comes back. */
function rawClient(head: string) {
  const { port } = server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  let received = '';
  const waiters: (() => void)[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  socket.on('error', () => undefined); // the server may reset a socket it stopped reading
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(`${head.trim().split('\n').join('\r\n')}\r\n\r\n`);
  return {
    socket,
    closed,
    /** Resolves with everything received once `pattern` appears in it. */
    async until(pattern: RegExp): Promise<string> {
      while (!pattern.test(received)) {
        if (socket.destroyed) throw new Error(`closed after: ${JSON.stringify(received)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          socket.once('close', resolve);
        });
      }
      return received;
    },
  };
}

describe('bodies larger than the limit', () => {
  const head = (headers: string) => `POST /echo HTTP/1.1
Host: 127.0.0.1
Content-Type: application/json
${headers}`;

  it('Expect: 100-continue with 5 MB declared: 413 at once, no 100, and the socket closed', async () => {
    const client = rawClient(head('Content-Length: 5242880\nExpect: 100-continue'));
    const reply = await client.until(/\r\n\r\n[\s\S]*\}$/);
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect(reply).toContain('"code":"payload_too_large"');
    await client.closed;
  });

  it('5 MB declared without Expect: 413 before the body is sent, and the socket closed', async () => {
    const client = rawClient(head('Content-Length: 5242880'));
    client.socket.write('x'.repeat(1024));
    const reply = await client.until(/\r\n\r\n[\s\S]*\}$/);
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    await client.closed;
  });

  it('a chunked body past the limit: 413 as soon as it passes, and the socket closed', async () => {
    const client = rawClient(head('Transfer-Encoding: chunked'));
    const chunk = 'x'.repeat(20 * 1024);
    client.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const reply = await client.until(/\r\n\r\n[\s\S]*\}$/);
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    await client.closed;
  });

  it('5 MB of the wrong type: 415 before the body is sent, and the socket closed', async () => {
    const client = rawClient(
      head('Content-Length: 5242880').replace('application/json', 'text/plain'),
    );
    client.socket.write('x'.repeat(1024));
    const reply = await client.until(/\r\n\r\n[\s\S]*\}$/);
    expect(reply).toMatch(/^HTTP\/1\.1 415 /);
    await client.closed;
  });

  it('Expect: 100-continue with a body inside the limit: 100, then the answer', async () => {
    const client = rawClient(head(`Content-Length: ${json.length}\nExpect: 100-continue`));
    expect(await client.until(/\r\n\r\n/)).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    client.socket.write(json);
    const reply = await client.until(/\{"body":.*\}$/);
    expect(reply).toContain('HTTP/1.1 200 OK');
    client.socket.destroy();
  });
});
