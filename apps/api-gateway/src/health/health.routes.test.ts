import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import { createLogger } from '@echobase/infra/logger';
import { waitFor } from '@echobase/test-kit/poll';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalogue } from '../products/catalogue.js';
import { healthRoutes, REQUIRED_SCHEMA } from './health.routes.js';
import type { ReadinessOptions } from './readiness.js';

/** Stand-ins that count their calls and fail or hang when told to. */
function dependencies() {
  const calls = { select1: 0, schema: 0, queue: 0 };
  const state = {
    schema: REQUIRED_SCHEMA as string | null,
    database: 'up' as 'up' | 'down' | 'hang',
    release: (): void => undefined,
  };
  const answer = <T>(value: T): Promise<T> => {
    if (state.database === 'down')
      return Promise.reject(
        Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:3306'), { code: 'ECONNREFUSED' }),
      );
    if (state.database === 'hang')
      return new Promise((resolve) => {
        state.release = () => resolve(value);
      });
    return Promise.resolve(value);
  };
  const pool = {
    query: (sql: string) => {
      if (sql.includes('schema_migrations')) {
        calls.schema += 1;
        return answer([state.schema ? [{ name: state.schema }] : []]);
      }
      calls.select1 += 1;
      return answer([[{ 1: 1 }]]);
    },
  } as unknown as Pool;
  const sqs = {
    send: async () => {
      calls.queue += 1;
      return { Attributes: { QueueArn: 'arn:aws:sqs:eu-west-1:000000000000:echobase-blue' } };
    },
  } as unknown as SQSClient;
  const catalogue = { loaded: () => true, list: () => [] } as unknown as Catalogue;
  return { calls, state, pool, sqs, catalogue };
}

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

async function serve(deps: ReturnType<typeof dependencies>, readiness?: ReadinessOptions) {
  const app = express();
  app.use(
    '/health',
    healthRoutes({
      pool: deps.pool,
      sqs: deps.sqs,
      queueUrl: 'http://127.0.0.1:4566/000000000000/echobase-blue',
      catalogue: deps.catalogue,
      identity: { buildId: 'b1', colour: 'blue' },
      logger: createLogger({ name: 'health-test', level: 'silent' }),
      ...(readiness ? { readiness } : {}),
    }),
  );
  const listening = app.listen(0, '127.0.0.1');
  server = listening;
  await new Promise((resolve) => listening.once('listening', resolve));
  const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/health/ready`;
  return async () => {
    const res = await fetch(url);
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) };
  };
}

const allOk = {
  database: { ok: true },
  schema: { ok: true },
  queue: { ok: true },
  secrets: { ok: true },
  catalogue: { ok: true },
};

describe('GET /health/ready', () => {
  it('answers ready with each check, and no schema, host or queue details', async () => {
    const get = await serve(dependencies());
    const reply = await get();
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ready', buildId: 'b1', colour: 'blue', checks: allOk });
    expect(reply.text).not.toContain(REQUIRED_SCHEMA);
    expect(reply.text).not.toMatch(/arn:|echobase-blue|schema_migrations/);
  });

  it('costs one round of checks for 50 simultaneous hits, and none for the next ones', async () => {
    const deps = dependencies();
    const get = await serve(deps, { refreshAfterMs: 60_000 });
    const replies = await Promise.all(Array.from({ length: 50 }, () => get()));
    expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
    for (let i = 0; i < 20; i++) expect((await get()).status).toBe(200);
    expect(deps.calls).toEqual({ select1: 1, schema: 1, queue: 1 });
  });

  it('keeps answering ready, at once, while a check is slow', async () => {
    const deps = dependencies();
    const get = await serve(deps, { refreshAfterMs: 0 });
    expect((await get()).status).toBe(200);
    deps.state.database = 'hang';
    const during = await Promise.all(Array.from({ length: 20 }, () => get()));
    expect(during.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(deps.calls.select1).toBe(2); // one refresh in flight, however many ask
    deps.state.release();
  });

  it('turns not ready when the database fails, naming no error, and back when it answers', async () => {
    const deps = dependencies();
    const get = await serve(deps, { refreshAfterMs: 0 });
    expect((await get()).status).toBe(200);
    deps.state.database = 'down';
    const down = await waitFor('503', async () => {
      const reply = await get();
      return reply.status === 503 && reply;
    });
    expect(down.body).toEqual({
      status: 'not_ready',
      buildId: 'b1',
      colour: 'blue',
      checks: { ...allOk, database: { ok: false } },
    });
    expect(down.text).not.toMatch(/ECONNREFUSED|10\.1\.2\.3/);
    deps.state.database = 'up';
    expect((await get()).status).toBe(200); // "not ready" is never repeated from the cache
  });

  it('never answers a result older than its maximum age', async () => {
    const deps = dependencies();
    const get = await serve(deps, { refreshAfterMs: 60_000, maxAgeMs: 50 });
    expect((await get()).status).toBe(200);
    deps.state.database = 'down';
    await waitFor('the stale "ready" to be replaced', async () => (await get()).status === 503);
  });

  it('checks the schema until it is new enough, then only that the database answers', async () => {
    const deps = dependencies();
    deps.state.schema = '0001_initial';
    const get = await serve(deps, { refreshAfterMs: 0 });
    const old = await get();
    expect(old.status).toBe(503);
    expect(old.body.checks.schema).toEqual({ ok: false });
    expect(old.text).not.toContain('0001_initial');
    deps.state.schema = REQUIRED_SCHEMA;
    await waitFor('200', async () => (await get()).status === 200);
    const schemaQueries = deps.calls.schema;
    await waitFor('more refreshes', async () => {
      await get();
      return deps.calls.select1 >= schemaQueries + 3;
    });
    expect(deps.calls.schema).toBe(schemaQueries);
  });
});
