import type { Pool } from '@echobase/infra/db';
import { appPool, createDbProxy, type DbProxy } from '@echobase/test-kit/db';
import { Client } from '@echobase/test-kit/http';
import { waitFor } from '@echobase/test-kit/poll';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startApi } from './support.js';

/**
 * The API's side of a database that is stuck, not gone: a TCP proxy between one API and the
 * shared ci MariaDB (which keeps serving everyone else) accepts connections and answers nothing.
 * The whole order path (API → queue → processor → MariaDB), outages included, is tested on the
 * built apps in packages/ops/test/order-pipeline.test.ts.
 */
describe('a hung database (for one API)', () => {
  let proxied: Harness;
  let proxy: DbProxy;
  let proxiedPool: Pool;

  beforeAll(async () => {
    proxy = await createDbProxy();
    proxiedPool = await appPool({ host: '127.0.0.1', port: proxy.port });
    proxied = await startApi({ pool: proxiedPool });
  });
  afterAll(async () => {
    await proxied?.close();
    await proxy?.down();
    await proxiedPool?.end().catch(() => undefined);
    await proxy?.close();
  });

  it('a hung database gets a prompt 503 for every request, never a hang, and the API recovers', async () => {
    const client = new Client(proxied.url);
    await client.registerNew('hung');
    expect((await client.request('GET', '/api/v1/orders')).status).toBe(200);
    await proxy.hang();
    try {
      const started = Date.now();
      const replies = await Promise.all(
        Array.from({ length: 60 }, async () => {
          const reply = await client.request('GET', '/api/v1/orders');
          return { status: reply.status, ms: Date.now() - started, code: reply.body?.error?.code };
        }),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(60).fill(503));
      expect(new Set(replies.map((r) => r.code))).toEqual(new Set(['unavailable']));
      expect(Math.max(...replies.map((r) => r.ms))).toBeLessThan(8_000);
    } finally {
      await proxy.up();
    }
    await waitFor('the API to answer again', async () => {
      const reply = await client.request('GET', '/api/v1/orders');
      return reply.status === 200;
    });
  }, 30_000);
});
