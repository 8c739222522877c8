import type { ServerResponse } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics for the apps, with prom-client: one registry per process, the Node
 * process's own figures (CPU, resident memory, event-loop lag, GC, handles), and every metric
 * labelled with the service, the colour and the build, so a dashboard can tell blue from green
 * across a switch without relabelling. Served as `GET /metrics` (the text exposition format)
 * on the port Prometheus scrapes: the API's own port, the processor's health port.
 */
export { Counter, Gauge, Histogram, Registry };

export interface MetricsIdentity {
  service: string;
  colour?: string | undefined;
  buildId: string;
}

/** Latency buckets, in seconds: 5 ms to 5 s, for requests and for batches. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createRegistry(identity: MetricsIdentity): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({
    service: identity.service,
    colour: identity.colour ?? 'none',
    build: identity.buildId,
  });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Answers a scrape of `registry`. A metric whose collection fails (a queue the endpoint
 * cannot answer for) fails the scrape with 500 and one line, which Prometheus records as the
 * target's `up` and `scrape_error`; the process goes on.
 */
export async function serveMetrics(registry: Registry, res: ServerResponse): Promise<void> {
  try {
    const body = await registry.metrics();
    res.writeHead(200, {
      'content-type': registry.contentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
  } catch (error) {
    const text = `metrics unavailable: ${(error as Error).message}\n`;
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(text);
  }
}
