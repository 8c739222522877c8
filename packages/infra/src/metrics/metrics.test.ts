import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry, Gauge, serveMetrics } from './index.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

async function serve(registry: ReturnType<typeof createRegistry>) {
  const server = createServer((_req, res) => void serveMetrics(registry, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => server.close();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

describe('metrics', () => {
  it("labels every series with the service, colour and build, and has the process's own figures", async () => {
    const registry = createRegistry({ service: 'api-gateway', colour: 'blue', buildId: 'b7' });
    const res = await fetch(await serve(registry));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(
      /^process_resident_memory_bytes\{service="api-gateway",colour="blue",build="b7"\} \d+/m,
    );
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{/m);
  });

  it('answers 500 with one line when a metric cannot be collected, and serves again after', async () => {
    const registry = createRegistry({ service: 'order-processor', buildId: 'b7' });
    let fail = true;
    new Gauge({
      name: 'flaky',
      help: 'fails while the endpoint is away',
      registers: [registry],
      collect() {
        if (fail) throw new Error('endpoint down');
        this.set(1);
      },
    });
    const url = await serve(registry);
    const failed = await fetch(url);
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe('metrics unavailable: endpoint down\n');
    fail = false;
    expect((await fetch(url)).status).toBe(200);
  });
});
