import { Counter, Histogram, LATENCY_BUCKETS, type Registry } from '@echobase/infra/metrics';
import type { RequestHandler } from 'express';

/** Methods kept as they are in the `method` label; any other is `OTHER` (bounded labels). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route a request matched as it is declared (`/api/v1/orders/:id`), never its URL, whose ids
 * and junk paths would each make a series of their own; `unmatched` when no route matched (a
 * 404). Express restores `req.baseUrl` when an error leaves a router, so the mount path is taken
 * from the request's path instead: the path without as many trailing segments as the route has.
 */
export function routeOf(req: { originalUrl: string; route?: { path?: unknown } }): string {
  const declared: unknown = req.route?.path;
  if (typeof declared !== 'string') return 'unmatched';
  const path = (req.originalUrl.split('?')[0] ?? '').replace(/\/+$/, '');
  const segments = path.split('/');
  const own = declared.split('/').filter(Boolean).length;
  const mount = segments.slice(0, segments.length - own).join('/');
  const route = `${mount}${declared === '/' ? '' : declared}`;
  return route === '' ? '/' : route;
}

/**
 * Counts every answered request and times it, per method, route and status: the rate, errors
 * and latency of each route of this colour. A request its client gave up on before the answer
 * is counted with status `aborted`.
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, declared route and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request to the end of its answer, by method, declared route and status',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return (req, res, next) => {
    const end = duration.startTimer();
    res.once('close', () => {
      const labels = {
        method: METHODS.has(req.method) ? req.method : 'OTHER',
        route: routeOf(req),
        status: res.writableFinished ? String(res.statusCode) : 'aborted',
      };
      requests.inc(labels);
      end(labels);
    });
    next();
  };
}
