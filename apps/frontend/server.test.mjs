import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer as createSocketServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The colour's static server, run as it runs in a stack (node server.mjs) against a small
 * dist/ of its own, on a port the system picks: hostile requests get an answer, never a crash.
 */
const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const ASSET = '0123456789'.repeat(10); // 100 bytes, so every slice is easy to name
const INDEX = '<!doctype html><title>Echobase</title><div id="root"></div>\n';

let dir;
let child;
let port;
let socketFile;
let exited;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'echobase-frontend-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), INDEX);
  await writeFile(join(dir, 'assets', 'app-abc123.js'), ASSET);
  await writeFile(join(dir, '.env'), 'SECRET=1\n');
  // A unix socket where a file should be: stat works, reading it fails (ENXIO), which makes
  // a real read stream fail inside the server.
  socketFile = createSocketServer();
  await new Promise((resolve) => socketFile.listen(join(dir, 'assets', 'broken.js'), resolve));

  child = spawn(process.execPath, [SERVER], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DIST_DIR: dir,
      COLOUR: 'blue',
      BUILD_ID: 't1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.includes('"frontend listening"'));
      if (line) resolve(JSON.parse(line).port);
    });
    child.once('exit', (code) => reject(new Error(`server.mjs exited with ${code}: ${stderr}`)));
  });
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await exited;
  }
  socketFile?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A raw request, so headers and paths go out exactly as written. */
function get(path, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function stillServing() {
  expect(child.exitCode, 'server.mjs exited').toBeNull();
  expect(child.signalCode, 'server.mjs was killed').toBeNull();
  const live = await get('/health/live');
  expect(live.status).toBe(200);
  expect(JSON.parse(live.body)).toEqual({ status: 'ok', buildId: 't1', colour: 'blue' });
}

const asset = '/assets/app-abc123.js';
const whole = { status: 200, body: ASSET, contentRange: undefined };
const unsatisfiable = { status: 416, body: undefined, contentRange: 'bytes */100' };
const part = (start, end) => ({
  status: 206,
  body: ASSET.slice(start, end + 1),
  contentRange: `bytes ${start}-${end}/100`,
});

describe('server.mjs under hostile Range headers', () => {
  it.each([
    ['bytes=5-2', 'bytes=5-2', unsatisfiable],
    ['bytes=-0', 'bytes=-0', unsatisfiable],
    ['bytes=100-', 'bytes=100-', unsatisfiable],
    ['bytes=999999-', 'bytes=999999-', unsatisfiable],
    ['bytes=99999999999999999999999-', 'bytes=99999999999999999999999-', unsatisfiable],
    ['bytes=5-2,9-3', 'bytes=5-2,9-3', unsatisfiable],
    ['bytes=abc', 'bytes=abc', whole],
    ['bytes=', 'bytes=', whole],
    ['bytes=--5', 'bytes=--5', whole],
    ['bytes=-5-2', 'bytes=-5-2', whole],
    ['bytes=1e3-', 'bytes=1e3-', whole],
    ['bytes=0x10-0x20', 'bytes=0x10-0x20', whole],
    ['items=0-5', 'items=0-5', whole],
    ['bytes=0-1,3-4', 'bytes=0-1,3-4', whole],
    ['1001 ranges', `bytes=${'0-1,3-4,'.repeat(500)}0-1`, whole],
    ['bytes=0-0', 'bytes=0-0', part(0, 0)],
    ['bytes=2-5', 'bytes=2-5', part(2, 5)],
    ['bytes=-10', 'bytes=-10', part(90, 99)],
    ['bytes=90-', 'bytes=90-', part(90, 99)],
    ['bytes=0-99999999999999999999999', 'bytes=0-99999999999999999999999', part(0, 99)],
    ['bytes=0-18446744073709551615', 'bytes=0-18446744073709551615', part(0, 99)],
    ['bytes=0-1,2-3', 'bytes=0-1,2-3', part(0, 3)],
  ])('%s', async (_name, range, expected) => {
    const res = await get(asset, { range });
    expect(res.status).toBe(expected.status);
    expect(res.headers['content-range']).toBe(expected.contentRange);
    if (expected.body !== undefined) expect(res.body).toBe(expected.body);
    await stillServing();
  });

  it('answers 416 for a client-side route, naming the size of index.html', async () => {
    const res = await get('/orders/123', { range: 'bytes=5-2' });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${Buffer.byteLength(INDEX)}`);
    await stillServing();
  });

  it('answers 500 for a file it cannot read, and keeps serving', async () => {
    const res = await get('/assets/broken.js');
    expect(res.status).toBe(500);
    expect(res.body).not.toContain(dir);
    expect(res.headers['x-echobase-colour']).toBe('blue');
    await stillServing();
  });
});

describe('server.mjs serving the app', () => {
  it('serves hashed assets for a year and index.html never cached, with security headers', async () => {
    const js = await get(asset);
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    const html = await get('/');
    expect(html.status).toBe(200);
    expect(html.body).toBe(INDEX);
    expect(html.headers['cache-control']).toBe('no-cache');
    for (const res of [js, html]) {
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-echobase-build']).toBe('t1');
    }
  });

  it('answers client-side routes with index.html and a missing file with 404', async () => {
    const route = await get('/orders/7c9e6679');
    expect(route.status).toBe(200);
    expect(route.body).toBe(INDEX);
    expect((await get('/assets/missing-123.js')).status).toBe(404);
  });

  it('revalidates with the ETag', async () => {
    const first = await get(asset);
    const again = await get(asset, { 'if-none-match': first.headers.etag });
    expect(again.status).toBe(304);
  });

  it('never serves dotfiles or anything outside dist/', async () => {
    const dotfile = await get('/.env');
    expect(dotfile.status).toBe(404);
    expect(dotfile.body).not.toContain('SECRET');
    const outside = await get('/../../../../etc/passwd');
    expect(outside.status).toBe(403);
    expect(outside.body).not.toContain('root:');
    expect((await get('/%E0%A4%A')).status).toBe(400);
    await stillServing();
  });

  it('answers 405 to methods other than GET and HEAD', async () => {
    const res = await get('/', {}, 'POST');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    await stillServing();
  });
});
