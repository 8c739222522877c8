import { createServer, type Server, type ServerResponse } from 'node:http';
import { failureCode } from './failures.js';
import type { ProcessorStatus } from './processor.js';

export interface HealthDeps {
  status: () => ProcessorStatus;
  /** Rejects unless the database answers, quickly. */
  checkDatabase: () => Promise<void>;
  /** Fields on every answer, e.g. `{ service, colour, buildId }`. */
  identity?: Record<string, string>;
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
 * - GET /health/ready: 200 when the consumer is polling and the database answers; 503
 *   `{status: 'paused', reason}` while paused for a database outage, 503 with the state while
 *   starting or stopping, 503 `{status: 'unavailable'}` when the database stops answering.
 * Everything else is a JSON 404 (405 for other methods on those paths).
 */
export function createHealthServer(deps: HealthDeps): Server {
  const identity = deps.identity ?? {};
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/health/live' && path !== '/health/ready') {
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
    deps.checkDatabase().then(
      () => send(res, 200, { status: 'ready', inFlight: status.inFlight, ...identity }),
      (error: unknown) =>
        send(res, 503, {
          status: 'unavailable',
          reason: `database not answering (${failureCode(error)})`,
          ...identity,
        }),
    );
  });
}
