// Serves the built frontend for a colour stack: hashed assets cached for a year (their names
// change with their content), index.html never cached, client-side routes answered with
// index.html so the router can handle them; a strict Content-Security-Policy on every answer.
// Env: PORT (0 picks a free one), HOST (127.0.0.1), COLOUR, BUILD_ID, DIST_DIR (./dist/).
//
// Files go out through `send`, Express's own file sender: its Range handling (range-parser)
// answers 416 with `Content-Range: bytes */<size>` for unsatisfiable ranges and the whole file
// for malformed or multiple ones. sirv 3.0.2, used before, passed a client's start > end
// straight to fs.createReadStream, whose throw ended the process (no fixed release exists).
// No request may end this process: errors from a request or its file stream are logged and
// answered 500.
import { createServer, STATUS_CODES } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import send from 'send';

const dist = process.env.DIST_DIR ?? fileURLToPath(new URL('./dist/', import.meta.url));
const assetsDir = join(dist, 'assets');
const colour = process.env.COLOUR ?? '';
const buildId = process.env.BUILD_ID ?? 'dev';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** One JSON line per event, in pino's shape, so `echobase logs` reads it like the others. */
function log(level, msg, fields = {}) {
  const stream = level >= 50 ? process.stderr : process.stdout;
  stream.write(
    `${JSON.stringify({ level, time: Date.now(), name: 'frontend', buildId, ...(colour ? { colour } : {}), ...fields, msg })}\n`,
  );
}

function commonHeaders(res) {
  if (colour) res.setHeader('x-echobase-colour', colour);
  res.setHeader('x-echobase-build', buildId);
  res.setHeader('x-content-type-options', 'nosniff');
  // The built app is same-origin scripts and styles only: nothing inline, nothing third-party.
  res.setHeader('content-security-policy', CSP);
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
}

/** A short plain-text answer, dropping whatever file headers were set before it. */
function answer(res, status, headers = {}) {
  if (res.headersSent) {
    // The status line is gone: cutting the connection is the only honest signal left.
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  commonHeaders(res);
  const body = `${STATUS_CODES[status] ?? 'Error'}\n`;
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

function failed(req, res, error) {
  log(50, 'request failed', {
    method: req.method,
    path: req.url?.split('?')[0],
    err: { message: error?.message, code: error?.code },
  });
  answer(res, 500);
}

/** A path whose last segment has no extension is a client-side route, not a missing file. */
const isRoute = (pathname) => !/\.[^/]*$/.test(pathname);

function serve(req, res, pathname, fallback) {
  send(req, pathname, { root: dist, index: false, cacheControl: false, dotfiles: 'ignore' })
    .on('headers', (_res, path) => {
      res.setHeader(
        'Cache-Control',
        path.startsWith(assetsDir) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    })
    .on('directory', () => serve(req, res, '/index.html', false))
    .on('error', (error) => {
      if (error.status === 404 && fallback) serve(req, res, '/index.html', false);
      else if (error.status < 500) answer(res, error.status, error.headers);
      else failed(req, res, error);
    })
    .pipe(res);
}

const server = createServer((req, res) => {
  try {
    commonHeaders(res);
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname === '/health/live') {
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      res.end(JSON.stringify({ status: 'ok', buildId, ...(colour ? { colour } : {}) }));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer(res, 405, { allow: 'GET, HEAD' });
      return;
    }
    if (pathname === '/') serve(req, res, '/index.html', false);
    else serve(req, res, pathname, isRoute(pathname));
  } catch (error) {
    failed(req, res, error);
  }
});

server.listen(Number(process.env.PORT ?? 3103), process.env.HOST ?? '127.0.0.1', () => {
  log(30, 'frontend listening', { port: server.address().port });
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
