import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect } from 'node:net';
import { sampleOf } from '@echobase/test-kit/metrics';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLbCommands } from '../src/cli/lb.js';
import { OpsError, UsageError } from '../src/errors.js';
import { type LbState, lbState, switchColour } from '../src/lb/lb.js';
import { nativeNginx, nginxSwitchPaths } from '../src/native/nginx.js';
import { envPaths } from '../src/paths.js';
import { type Colour, LB_UPSTREAM_ADDRESS, PORT_PLAN } from '../src/plan.js';
import { livePid, waitFor } from '../src/process.js';
import { readCredentials } from '../src/provision/credentials.js';
import { cli, nativeOnly, ROOT, status } from './support.js';

nativeOnly('lb.test.ts');

/**
 * The load balancer on the real native ci nginx, in front of fake colours: tiny HTTP servers on
 * the plan's colour ports that answer with their colour. Tests run in order; the environment is
 * left as it was found (nginx running, the same active colour).
 */
const lb = PORT_PLAN.ci.durable;
const nginxPaths = envPaths('ci', ROOT).nginx;
const stateFile = nginxSwitchPaths(nginxPaths.prefix).activeColour;
const stateDir = nginxSwitchPaths(nginxPaths.prefix).state;

type Service = 'api' | 'frontend';

interface Answer {
  colour: Colour;
  service: Service;
  method: string;
  path: string;
  forwardedFor?: string;
  realIp?: string;
  /** The address nginx connected from. */
  remoteAddress?: string;
  requestId?: string;
  body: string;
}

/** A colour's API or frontend: answers with its colour; /slow waits until released. */
class FakeService {
  server: Server | null = null;
  connections = 0;
  readonly held = new Map<string, { release: () => void; closed: Promise<void> }>();

  constructor(
    readonly colour: Colour,
    readonly service: Service,
    readonly port: number,
  ) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const answer = (status: number) => {
          const body: Answer = {
            colour: this.colour,
            service: this.service,
            method: req.method ?? '',
            path: url.pathname,
            forwardedFor: req.headers['x-forwarded-for'] as string | undefined,
            realIp: req.headers['x-real-ip'] as string | undefined,
            remoteAddress: req.socket.remoteAddress,
            requestId: req.headers['x-request-id'] as string | undefined,
            body: Buffer.concat(chunks).toString(),
          };
          res.writeHead(status, {
            'content-type': 'application/json',
            'x-echobase-colour': this.colour,
          });
          res.end(JSON.stringify(body));
        };
        if (url.pathname.endsWith('/slow')) return this.hold(url, res, () => answer(200));
        answer(url.pathname.endsWith('/fail') ? 500 : 200);
      });
    });
    server.on('connection', () => {
      this.connections += 1;
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(
                `port ${this.port} (${this.colour} ${this.service} of ci) is in use: is a ci colour stack running? (echobase stack down ${this.colour} --env ci)`,
              )
            : error,
        ),
      );
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  private hold(url: URL, res: ServerResponse, release: () => void) {
    const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
    this.held.set(url.searchParams.get('id') ?? '', { release, closed });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const fakes = {
  blue: {
    api: new FakeService('blue', 'api', PORT_PLAN.ci.colours.blue.api),
    frontend: new FakeService('blue', 'frontend', PORT_PLAN.ci.colours.blue.frontend),
  },
  green: {
    api: new FakeService('green', 'api', PORT_PLAN.ci.colours.green.api),
    frontend: new FakeService('green', 'frontend', PORT_PLAN.ci.colours.green.frontend),
  },
};
const allFakes = [fakes.blue.api, fakes.blue.frontend, fakes.green.api, fakes.green.frontend];

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: () => Answer;
}

/** One HTTP request through nginx; a fresh connection unless an agent is given. */
function send(
  port: number,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    agent?: Agent;
    signal?: AbortSignal;
    /** Collects the client sockets used. */
    sockets?: Set<unknown>;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
        signal: options.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as Answer,
          });
        });
      },
    );
    req.on('error', reject);
    req.on('socket', (socket) => options.sockets?.add(socket));
    req.end(options.body);
  });
}

/** The nginx master and its workers: unchanged pids mean nginx was not reloaded or restarted. */
async function nginxPids(): Promise<number[]> {
  const master = await livePid(nginxPaths.pid, 'nginx: master');
  if (master === null) throw new Error('nginx of ci is not running');
  const children = await readFile(`/proc/${master}/task/${master}/children`, 'utf8');
  return [master, ...children.trim().split(/\s+/).map(Number)];
}

async function waitForInFlight(colour: Colour, n: number): Promise<LbState> {
  return waitFor(`${n} request(s) in flight on ${colour}`, async () => {
    const state = await lbState('ci');
    return state.colours[colour].inFlight === n ? state : undefined;
  });
}

const ADMIN = `http://127.0.0.1:${lb.lbAdmin}`;
let adminToken = '';

/** A request to the admin API as the CLI sends it: the token, and JSON when there is a body. */
function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${ADMIN}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
}

/** Bytes written as they are on one connection, and nginx's whole answer (it closes after). */
function raw(
  port: number,
  bytes: string,
): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body });
    });
  });
}

let stateBefore: string | null = null;

beforeAll(async () => {
  const setup = await cli(['durable', 'setup', 'ci']);
  if (setup.code !== 0) throw new Error(`durable setup ci failed:\n${setup.stderr}`);
  adminToken = (await readCredentials(envPaths('ci', ROOT).credentials))?.lbAdminToken ?? '';
  // Start from no active colour, on the current config: put back what was there at the end.
  stateBefore = existsSync(stateFile) ? await readFile(stateFile, 'utf8') : null;
  const nginx = await nativeNginx('ci', ROOT);
  await nginx.stop();
  await rm(stateFile, { force: true });
  await nginx.start();
  for (const fake of allFakes) await fake.start();
});

afterAll(async () => {
  for (const fake of allFakes) await fake.stop();
  const nginx = await nativeNginx('ci', ROOT);
  await nginx.stop();
  if (stateBefore === null) await rm(stateFile, { force: true });
  else await writeFile(stateFile, stateBefore);
  await nginx.start();
});

describe('load balancer (native ci nginx, fake colours)', () => {
  it('answers production with 503 unavailable until the first switch', async () => {
    const res = await send(lb.lbProduction, '/api/v1/products', {
      headers: { 'x-request-id': 'trace-none' },
    });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/json');
    // The API's code for "try again", which the frontend retries.
    expect(JSON.parse(res.text)).toEqual({
      error: { code: 'unavailable', message: 'No colour is deployed yet', requestId: 'trace-none' },
    });
    expect(res.headers['x-echobase-colour']).toBeUndefined();
    const state = await lbState('ci');
    expect(state.active).toBeNull();
    expect(state.switchedAt).toBeNull();
    // The direct listeners do not need an active colour.
    expect((await send(lb.lbBlue, '/api/v1/products')).json()).toMatchObject({ colour: 'blue' });
  });

  it('routes production to blue after a switch; each direct listener keeps its own colour', async () => {
    expect(await switchColour('ci', 'blue')).toEqual({ active: 'blue', previous: null });
    const api = await send(lb.lbProduction, '/api/v1/products');
    expect(api.status).toBe(200);
    expect(api.headers['x-echobase-colour']).toBe('blue');
    expect(api.json()).toMatchObject({ colour: 'blue', service: 'api', path: '/api/v1/products' });
    expect((await send(lb.lbProduction, '/health/live')).json()).toMatchObject({
      colour: 'blue',
      service: 'api',
      path: '/health/live',
    });
    expect((await send(lb.lbProduction, '/orders')).json()).toMatchObject({
      colour: 'blue',
      service: 'frontend',
      path: '/orders',
    });
    for (const [port, colour] of [
      [lb.lbBlue, 'blue'],
      [lb.lbGreen, 'green'],
    ] as const) {
      const direct = await send(port, '/api/v1/products');
      expect(direct.headers['x-echobase-colour']).toBe(colour);
      expect(direct.json()).toMatchObject({ colour, service: 'api' });
      expect((await send(port, '/')).json()).toMatchObject({ colour, service: 'frontend' });
    }
  });

  it('switches production to green without reloading nginx, and persists it', async () => {
    const pids = await nginxPids();
    expect(pids.length).toBeGreaterThan(1);
    expect(await switchColour('ci', 'green')).toEqual({ active: 'green', previous: 'blue' });
    const res = await send(lb.lbProduction, '/api/v1/products');
    expect(res.headers['x-echobase-colour']).toBe('green');
    expect(res.json()).toMatchObject({ colour: 'green' });
    expect((await send(lb.lbBlue, '/api/v1/products')).json()).toMatchObject({ colour: 'blue' });
    expect(await nginxPids()).toEqual(pids);

    const state = await lbState('ci');
    expect(state.active).toBe('green');
    expect(Date.now() - Date.parse(state.switchedAt ?? '')).toBeLessThan(60_000);
    expect((await readFile(stateFile, 'utf8')).split('\n')).toEqual([
      'green',
      state.switchedAt,
      '',
    ]);
    // Switching to the active colour changes nothing.
    expect(await switchColour('ci', 'green')).toEqual({ active: 'green', previous: 'green' });
    expect((await lbState('ci')).switchedAt).toBe(state.switchedAt);
  });

  it('gives the apps the real client address from its own address, never a forged one', async () => {
    for (const port of [lb.lbProduction, lb.lbBlue]) {
      const spoofed = await send(port, '/api/v1/me', {
        headers: {
          'x-forwarded-for': '203.0.113.9',
          'x-real-ip': '203.0.113.10',
          'x-request-id': 'trace-lb-1',
        },
      });
      expect(spoofed.json(), String(port)).toMatchObject({
        forwardedFor: '127.0.0.1',
        realIp: '127.0.0.1',
        // The address the native apps trust (TRUSTED_PROXIES): only nginx connects from it.
        remoteAddress: LB_UPSTREAM_ADDRESS,
        requestId: 'trace-lb-1',
      });
    }
  });

  it('passes a well-formed X-Request-Id through, and mints one otherwise', async () => {
    const minted = (await send(lb.lbProduction, '/api/v1/me')).json().requestId;
    expect(minted).toMatch(/^[0-9a-f]{32}$/);
    const malformed = await send(lb.lbProduction, '/api/v1/me', {
      headers: { 'x-request-id': 'no spaces "or quotes"' },
    });
    expect(malformed.json().requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps upstream connections alive across requests', async () => {
    const before = fakes.green.api.connections;
    for (let i = 0; i < 30; i++) {
      expect((await send(lb.lbProduction, '/api/v1/products')).status).toBe(200);
    }
    expect(fakes.green.api.connections - before).toBeLessThanOrEqual(2);
  });

  it('passes large bodies both ways (nothing spooled to temp files the workers cannot reach)', async () => {
    const body = 'x'.repeat(900_000);
    const res = await send(lb.lbProduction, '/api/v1/upload', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
    });
    expect(res.status).toBe(200);
    const answer = res.json();
    expect(answer.body).toBe(body);
    expect(res.text.length).toBeGreaterThan(900_000);
  });

  it('keeps the active colour across an nginx restart, and says when nginx is down', async () => {
    const [masterBefore] = await nginxPids();
    const { switchedAt } = await lbState('ci');
    const nginx = await nativeNginx('ci', ROOT);
    await nginx.stop();
    await expect(lbState('ci')).rejects.toThrow(
      new OpsError('the load balancer of ci is not running: ./durable/setup.sh ci'),
    );
    expect((await readFile(stateFile, 'utf8')).split('\n')[0]).toBe('green');
    await nginx.start();

    const [masterAfter] = await nginxPids();
    expect(masterAfter).not.toBe(masterBefore);
    expect(await lbState('ci')).toMatchObject({ active: 'green', switchedAt });
    expect((await send(lb.lbProduction, '/api/v1/products')).json()).toMatchObject({
      colour: 'green',
    });
  });

  it('rejects a bad colour with 400 and changes nothing', async () => {
    const pids = await nginxPids();
    const file = await readFile(stateFile, 'utf8');
    const bad = [
      admin('/switch', { method: 'POST', body: '{"colour":"purple"}' }),
      admin('/switch?colour=red', { method: 'POST', body: '{}' }),
      admin('/switch', { method: 'POST', body: 'green' }),
      admin('/switch', { method: 'POST', body: '{"colour":null}' }),
      admin('/switch', { method: 'POST', body: '' }),
    ];
    for (const res of await Promise.all(bad)) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'bad_colour' } });
    }
    const purple = await admin('/switch', { method: 'POST', body: '{"colour":"purple"}' });
    expect(((await purple.json()) as { error: { message: string } }).error.message).toBe(
      `unknown colour 'purple'; expected {"colour":"blue"} or {"colour":"green"}`,
    );
    const get = await admin('/switch');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    await expect(switchColour('ci', 'purple' as Colour)).rejects.toThrow(
      /^the load balancer of ci refused the switch to purple: unknown colour 'purple'/,
    );

    expect((await lbState('ci')).active).toBe('green');
    expect(await readFile(stateFile, 'utf8')).toBe(file);
    expect(await nginxPids()).toEqual(pids);
  });

  it('switches and reports only for a caller with the admin token', async () => {
    const file = await readFile(stateFile, 'utf8');
    const json = { 'content-type': 'application/json' };
    const refused = [
      fetch(`${ADMIN}/switch`, { method: 'POST', headers: json, body: '{"colour":"blue"}' }),
      admin('/switch', {
        method: 'POST',
        headers: { authorization: 'Bearer not-the-token' },
        body: '{"colour":"blue"}',
      }),
      admin('/switch', {
        method: 'POST',
        headers: { authorization: adminToken },
        body: '{"colour":"blue"}',
      }),
      fetch(`${ADMIN}/state`),
      admin('/state', { headers: { authorization: `Bearer ${adminToken}x` } }),
    ];
    for (const res of await Promise.all(refused)) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'unauthenticated' } });
      expect(text).not.toContain(adminToken);
    }
    // A plain health check stays open: it says nothing a production response does not.
    const health = await fetch(`${ADMIN}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', active: 'green' });
    // It is what `durable status` asks, so nginx shows healthy there without the token.
    const nginx = (await status('ci')).services.find((x) => x.service === 'nginx');
    expect(nginx).toMatchObject({
      healthy: true,
      detail: 'admin answering; production routes to green',
    });
    expect((await lbState('ci')).active).toBe('green');
    expect(await readFile(stateFile, 'utf8')).toBe(file);
  });

  it('refuses what a web page can send, with or without the token', async () => {
    const file = await readFile(stateFile, 'utf8');
    const bearer = `Bearer ${adminToken}`;
    // What a page can make a browser send: a form post, or a fetch that carries its Origin (a
    // DNS-rebound page is same-origin, and says so in Sec-Fetch-Site).
    const fromPages: Record<string, string>[] = [
      { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      { 'content-type': 'application/json', origin: 'null', authorization: bearer },
      {
        'content-type': 'application/json',
        'sec-fetch-site': 'same-origin',
        authorization: bearer,
      },
    ];
    for (const headers of fromPages) {
      const res = await send(lb.lbAdmin, '/switch', {
        method: 'POST',
        headers,
        body: '{"colour":"blue"}',
      });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'forbidden' } });
    }
    // The token in a simple request (no JSON content type) is still not enough.
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data']) {
      const res = await send(lb.lbAdmin, '/switch', {
        method: 'POST',
        headers: { 'content-type': type, authorization: bearer },
        body: type === 'text/plain' ? '{"colour":"blue"}' : 'colour=blue',
      });
      expect(res.status, type).toBe(415);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'unsupported_media_type' } });
    }
    // A browser's preflight gets no CORS headers, so it never sends the real request.
    const preflight = await send(lb.lbAdmin, '/switch', {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect((await lbState('ci')).active).toBe('green');
    expect(await readFile(stateFile, 'utf8')).toBe(file);
  });

  it("answers nginx's own errors with the API's error envelope", async () => {
    const envelope = (text: string) =>
      JSON.parse(text) as { error: { code: string; message: string; requestId: string } };
    const tooLarge = await send(lb.lbProduction, '/api/v1/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-413' },
      body: 'x'.repeat(1_100_000),
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers['content-type']).toBe('application/json');
    expect(envelope(tooLarge.text)).toEqual({
      error: {
        code: 'payload_too_large',
        message: 'the request body is too large',
        requestId: 'trace-413',
      },
    });
    const malformed = [
      'GET /api/v1/products HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      `GET /api/v1/products HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`,
      `GET /api/v1/${'a'.repeat(9000)} HTTP/1.1\r\nHost: a\r\n\r\n`,
    ];
    // The error page's own path is internal: from outside it is a JSON 404 like any other.
    const internal = await send(lb.lbProduction, '/_echobase/error');
    expect(internal.status).toBe(404);
    expect(envelope(internal.text).error.code).toBe('not_found');
    for (const request of malformed) {
      const res = await raw(lb.lbProduction, request);
      expect(res.status, request.slice(0, 40)).toBe(400);
      expect(res.headers).toContain('content-type: application/json');
      const { error } = envelope(res.body);
      expect(error.code).toBe('bad_request');
      expect(error.requestId).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('serves liveness on production and readiness only on the direct listeners', async () => {
    const ready = await send(lb.lbProduction, '/health/ready', {
      headers: { 'x-request-id': 'trace-ready' },
    });
    expect(ready.status).toBe(404);
    expect(JSON.parse(ready.text)).toEqual({
      error: {
        code: 'not_found',
        message: 'readiness is served on the direct listeners only',
        requestId: 'trace-ready',
      },
    });
    expect((await send(lb.lbProduction, '/health/live')).json()).toMatchObject({
      colour: 'green',
      service: 'api',
      path: '/health/live',
    });
    expect((await send(lb.lbGreen, '/health/ready')).json()).toMatchObject({
      colour: 'green',
      service: 'api',
      path: '/health/ready',
    });
  });

  it('answers 500 and keeps routing when it cannot persist a switch', async () => {
    const file = await readFile(stateFile, 'utf8');
    await chmod(stateDir, 0o500);
    try {
      const res = await admin('/switch', { method: 'POST', body: '{"colour":"blue"}' });
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: { code: 'not_persisted' } });
    } finally {
      await chmod(stateDir, 0o755);
    }
    expect((await lbState('ci')).active).toBe('green');
    expect((await send(lb.lbProduction, '/api/v1/products')).json()).toMatchObject({
      colour: 'green',
    });
    expect(await readFile(stateFile, 'utf8')).toBe(file);
  });

  it('binds every listener, the admin API included, to 127.0.0.1 only', async () => {
    const listening = new Map<number, string[]>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      const lines = (await readFile(table, 'utf8').catch(() => '')).trim().split('\n').slice(1);
      for (const line of lines) {
        const [, local = '', , state] = line.trim().split(/\s+/);
        if (state !== '0A') continue; // LISTEN
        const [address = '', port = ''] = local.split(':');
        const n = Number.parseInt(port, 16);
        listening.set(n, [...(listening.get(n) ?? []), address]);
      }
    }
    for (const port of [lb.lbProduction, lb.lbBlue, lb.lbGreen, lb.lbAdmin]) {
      expect(listening.get(port), String(port)).toEqual(['0100007F']); // 127.0.0.1
    }
  });

  it('counts a request in flight until it completes', async () => {
    const before = await lbState('ci');
    const pending = send(lb.lbProduction, '/api/slow?id=complete');
    await waitForInFlight('green', 1);
    await waitFor('the upstream to hold the request', async () =>
      fakes.green.api.held.has('complete'),
    );
    fakes.green.api.held.get('complete')?.release();
    expect((await pending).status).toBe(200);
    const after = await waitForInFlight('green', 0);
    expect(after.colours.green.requests).toBe(before.colours.green.requests + 1);
    expect(after.colours.blue).toEqual(before.colours.blue);
  });

  it('stops counting a request whose client gives up', async () => {
    const before = await lbState('ci');
    const client = new AbortController();
    const pending = send(lb.lbProduction, '/api/slow?id=abort', { signal: client.signal });
    pending.catch(() => {});
    await waitFor('the upstream to hold the request', async () =>
      fakes.green.api.held.has('abort'),
    );
    await waitForInFlight('green', 1);
    client.abort();
    await expect(pending).rejects.toThrow();
    // nginx notices the client left, drops the upstream request and counts it done, while the
    // upstream has still not answered.
    await fakes.green.api.held.get('abort')?.closed;
    const after = await waitForInFlight('green', 0);
    expect(after.colours.green.requests).toBe(before.colours.green.requests + 1);
    expect(after.colours.green.errors5xx).toBe(before.colours.green.errors5xx);
  });

  it('counts 5xx per colour: from the colour, and from nginx when the colour does not answer', async () => {
    const before = await lbState('ci');
    const failed = await send(lb.lbProduction, '/api/fail');
    expect(failed.status).toBe(500);
    expect(failed.headers['x-echobase-colour']).toBe('green');
    expect((await send(lb.lbBlue, '/api/fail')).status).toBe(500);

    await fakes.blue.api.stop();
    try {
      const down = await send(lb.lbBlue, '/api/v1/products', {
        headers: { 'x-request-id': 'trace-down' },
      });
      expect(down.status).toBe(502);
      expect(down.headers['content-type']).toBe('application/json');
      expect(down.headers['x-echobase-colour']).toBe('blue');
      expect(JSON.parse(down.text)).toEqual({
        error: {
          code: 'unavailable',
          message: 'blue is not answering',
          requestId: 'trace-down',
        },
      });
    } finally {
      await fakes.blue.api.start();
    }

    const after = await lbState('ci');
    expect(after.colours.green.errors5xx).toBe(before.colours.green.errors5xx + 1);
    expect(after.colours.green.requests).toBe(before.colours.green.requests + 1);
    expect(after.colours.blue.errors5xx).toBe(before.colours.blue.errors5xx + 2);
    expect(after.colours.blue.requests).toBe(before.colours.blue.requests + 2);
    expect(after.colours.blue.inFlight).toBe(0);
    expect(after.colours.green.inFlight).toBe(0);
  });

  it('switches blue↔green 20 times under keep-alive load without one failed request', async () => {
    const pids = await nginxPids();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const seen = { blue: 0, green: 0 };
    const sockets = new Set<unknown>();
    const failures: string[] = [];
    let running = true;

    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        try {
          const res = await send(lb.lbProduction, '/api/v1/orders', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ worker: w, i }),
            agent,
            sockets,
          });
          const body = res.json();
          if (res.status !== 200 || body.colour !== res.headers['x-echobase-colour'])
            failures.push(`${res.status} ${res.text}`);
          else seen[body.colour] += 1;
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));

    let colour: Colour = 'green';
    for (let n = 0; n < 20; n++) {
      const target: Colour = colour === 'green' ? 'blue' : 'green';
      const served = seen[target];
      expect(await switchColour('ci', target)).toEqual({ active: target, previous: colour });
      colour = target;
      // Let production serve the new colour before the next switch.
      await waitFor(`responses from ${target}`, async () => seen[target] > served + 5);
    }
    running = false;
    await Promise.all(workers);
    agent.destroy();

    expect(failures).toEqual([]);
    expect(seen.blue).toBeGreaterThan(0);
    expect(seen.green).toBeGreaterThan(0);
    // Keep-alive: a few client connections carried the requests through the switches (nginx
    // closes one cleanly after 1,000 requests, its keepalive_requests).
    expect((seen.blue + seen.green) / sockets.size).toBeGreaterThan(50);
    expect(await nginxPids()).toEqual(pids);
    const state = await waitForInFlight('blue', 0);
    expect(state.colours.green.inFlight).toBe(0);
  });

  it('serves its counters to Prometheus on the admin listener: per colour, the active one, switches', async () => {
    const scrape = async () => {
      const res = await fetch(`${ADMIN}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    const state = await lbState('ci');
    const active = state.active as Colour;
    const other: Colour = active === 'blue' ? 'green' : 'blue';
    const before = await scrape();
    // The same counts as /state, which needs the token: these need none.
    for (const colour of ['blue', 'green'] as const) {
      expect(sampleOf(before, 'echobase_lb_requests_total', { colour })).toBe(
        state.colours[colour].requests,
      );
      expect(sampleOf(before, 'echobase_lb_errors_total', { colour })).toBe(
        state.colours[colour].errors5xx,
      );
      expect(sampleOf(before, 'echobase_lb_active', { colour })).toBe(colour === active ? 1 : 0);
    }
    expect((await send(lb.lbProduction, '/api/v1/products')).status).toBe(200);
    await switchColour('ci', other);
    try {
      const after = await scrape();
      expect(sampleOf(after, 'echobase_lb_requests_total', { colour: active })).toBe(
        (sampleOf(before, 'echobase_lb_requests_total', { colour: active }) ?? 0) + 1,
      );
      expect(sampleOf(after, 'echobase_lb_active', { colour: other })).toBe(1);
      expect(sampleOf(after, 'echobase_lb_switches_total')).toBe(
        (sampleOf(before, 'echobase_lb_switches_total') ?? 0) + 1,
      );
      // Read-only: anything but GET is refused.
      expect((await fetch(`${ADMIN}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await switchColour('ci', active);
    }
  });

  it('offers the switch and the state as commands', async () => {
    let text = '';
    const out = {
      write: (s: string) => {
        text += s;
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    const program = () => {
      const p = new Command('echobase').exitOverride().configureOutput({ writeErr: () => {} });
      registerLbCommands(p, out, out);
      return p;
    };
    const from = (await lbState('ci')).active;
    const to: Colour = from === 'blue' ? 'green' : 'blue';
    await program().parseAsync(['switch', to, '--env', 'ci'], { from: 'user' });
    expect(text).toBe(`production on ci now routes to ${to} (was ${from})\n`);

    text = '';
    await program().parseAsync(['lb', 'status', '--env', 'ci', '--json'], { from: 'user' });
    expect(JSON.parse(text)).toMatchObject({ active: to });
    text = '';
    await program().parseAsync(['lb', 'status', '--env', 'ci'], { from: 'user' });
    expect(text).toMatch(new RegExp(`^production on ci routes to ${to} \\(since `));

    await expect(
      program().parseAsync(['switch', 'purple', '--env', 'ci'], { from: 'user' }),
    ).rejects.toThrow(new UsageError("unknown colour 'purple' (expected blue or green)"));
    expect((await lbState('ci')).active).toBe(to);
  });
});
