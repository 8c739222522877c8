import { createServer, type Server, type ServerResponse } from 'node:http';
import { type Registry, serveMetrics } from '@echobase/infra/metrics';
import { failureCode } from './failures.js';
import type { ProcessorStatus } from './processor.js';

export interface HealthDeps {
  status: () => ProcessorStatus;
  /** Rejects unless the database answers, quickly. */
  checkDatabase: () => Promise<void>;
  /** Fields on every answer, e.g. `{ service, colour, buildId }`. */
  identity?: Record<string, string>;
  ping?: PingOptions;
  /** Served as GET /metrics, for Prometheus. */
  registry?: Registry;
}

export interface PingOptions {
  /** A ping older than this is repeated in the background; a passing one is still answered. */
  refreshAfterMs?: number;
  /** A ping older than this is never answered: the request waits for a fresh one. */
  maxAgeMs?: number;
}

type Ping = { ok: true } | { ok: false; reason: string };

/**
 * The database ping behind /health/ready, at most once per `refreshAfterMs` and one at a time
 * however many ask: a passing result is answered while the next ping runs (a slow ping holds
 * no answer), a failing one is pinged again first (a recovery shows at once).
 */
function cachedPing(check: () => Promise<void>, options: PingOptions = {}) {
  const { refreshAfterMs = 1_000, maxAgeMs = 5_000 } = options;
  let last: { ping: Ping; at: number } | undefined;
  let running: Promise<Ping> | undefined;
  const refresh = (): Promise<Ping> => {
    running ??= check()
      .then(
        (): Ping => ({ ok: true }),
        (error: unknown): Ping => ({ ok: false, reason: failureCode(error) }),
      )
      .then((ping) => {
        last = { ping, at: Date.now() };
        return ping;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return async (): Promise<Ping> => {
    const age = last ? Date.now() - last.at : Number.POSITIVE_INFINITY;
    if (!last || age > maxAgeMs || (age >= refreshAfterMs && !last.ping.ok)) return refresh();
    if (age >= refreshAfterMs) void refresh();
    return last.ping;
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/**
 * The processor's only listener (it serves no traffic):
 * - GET /health/live: 200 while the process runs.
 * - GET /health/ready: 200 when the consumer is polling and the database answers (a cached
 *   ping, see cachedPing); 503
 *   `{status: 'paused', reason}` while paused for a database outage, 503 with the state while
 *   starting or stopping, 503 `{status: 'unavailable'}` when the database stops answering.
 * - GET /metrics: the Prometheus figures (see metrics.ts), when given a registry.
 * Everything else is a JSON 404 (405 for other methods on those paths).
 */
export function createHealthServer(deps: HealthDeps): Server {
  const identity = deps.identity ?? {};
  const ping = cachedPing(deps.checkDatabase, deps.ping);
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const metrics = path === '/metrics' && deps.registry;
    if (path !== '/health/live' && path !== '/health/ready' && !metrics) {
      send(res, 404, { error: { code: 'not_found', message: 'no such endpoint' } });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(
        res,
        405,
        { error: { code: 'method_not_allowed', message: 'use GET' } },
        { allow: 'GET, HEAD' },
      );
      return;
    }
    if (metrics) {
      void serveMetrics(metrics, res);
      return;
    }
    if (path === '/health/live') {
      send(res, 200, { status: 'ok', ...identity });
      return;
    }
    const status = deps.status();
    if (status.state === 'paused') {
      send(res, 503, { status: 'paused', reason: status.reason, since: status.since, ...identity });
      return;
    }
    if (status.state !== 'running') {
      send(res, 503, { status: status.state, since: status.since, ...identity });
      return;
    }
    void ping().then((result) =>
      result.ok
        ? send(res, 200, { status: 'ready', inFlight: status.inFlight, ...identity })
        : send(res, 503, {
            status: 'unavailable',
            reason: `database not answering (${result.reason})`,
            ...identity,
          }),
    );
  });
}
