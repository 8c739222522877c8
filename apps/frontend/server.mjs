// Serves the built frontend for a colour stack: hashed assets cached for a year (their names
// change with their content), index.html never cached, unknown paths answered with index.html
// so the client-side router can handle them; a strict Content-Security-Policy on every answer.
// Env: PORT, HOST (127.0.0.1), COLOUR, BUILD_ID.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const dist = fileURLToPath(new URL('./dist/', import.meta.url));
const colour = process.env.COLOUR ?? '';
const buildId = process.env.BUILD_ID ?? 'dev';

const assets = sirv(dist, {
  single: true,
  etag: true,
  gzip: false,
  setHeaders(res, pathname) {
    res.setHeader(
      'Cache-Control',
      pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
  },
});

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

const server = createServer((req, res) => {
  if (colour) res.setHeader('x-echobase-colour', colour);
  res.setHeader('x-echobase-build', buildId);
  res.setHeader('x-content-type-options', 'nosniff');
  // The built app is same-origin scripts and styles only: nothing inline, nothing third-party.
  res.setHeader('content-security-policy', CSP);
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  if (req.url === '/health/live') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'ok', buildId, ...(colour ? { colour } : {}) }));
    return;
  }
  assets(req, res);
});

server.listen(Number(process.env.PORT ?? 3103), process.env.HOST ?? '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
