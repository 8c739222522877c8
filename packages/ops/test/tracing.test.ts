import type { SQSClient } from '@aws-sdk/client-sqs';
import type { QueuePair } from '@echobase/infra/queue';
import { Client, type Json } from '@echobase/test-kit/http';
import { waitFor } from '@echobase/test-kit/poll';
import { type Started, spawnApi, spawnProcessor } from '@echobase/test-kit/process';
import { createQueues, deleteQueues, sqsClient } from '@echobase/test-kit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace, TraceSpan } from '../src/trace.js';
import { cli } from './support.js';

/**
 * Traces on the built apps, each its own process as a colour stack runs them (with the
 * `--import` hook), sending their spans to the ci durable layer's Jaeger, read back with
 * `echobase trace`. Runs against whichever runtime the ci layer is up in.
 */
type Api = Started & { url: string };
const IDENTITY = { COLOUR: 'blue', BUILD_ID: 'trace-test' };

let sqs: SQSClient;
let queues: QueuePair;
let api: Api;
let processor: Started;

beforeAll(async () => {
  sqs = sqsClient();
  queues = await createQueues(sqs, { visibilityTimeoutSeconds: 5 });
  api = await spawnApi(queues.queueUrl, IDENTITY);
  processor = await spawnProcessor(queues.queueUrl, IDENTITY);
});
afterAll(async () => {
  await processor?.stop();
  await api?.stop();
  if (queues) await deleteQueues(sqs, queues);
  sqs?.destroy();
});

async function placeCompleted(baseUrl: string): Promise<{ orderId: string; reply: Json }> {
  const client = new Client(baseUrl);
  await client.registerNew('traced');
  const placed = await client.placeOrder(2, 1);
  expect(placed.status).toBe(202);
  const orderId = placed.body.orderId as string;
  await waitFor(`order ${orderId} to complete`, async () => {
    const reply = await client.request('GET', `/api/v1/orders/${orderId}`);
    return reply.body.status === 'completed' ? true : undefined;
  });
  return { orderId, reply: { traceresponse: placed.headers.get('traceresponse') } };
}

async function traceOf(id: string): Promise<Trace & { complete: boolean }> {
  const run = await cli(['trace', id, '--env', 'ci', '--json', '--wait', '20']);
  if (run.code !== 0) throw new Error(`echobase trace ${id} failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const everySpan = (spans: TraceSpan[]): TraceSpan[] =>
  spans.flatMap((s) => [s, ...everySpan(s.children)]);
const only = (spans: TraceSpan[], test: (s: TraceSpan) => boolean, what: string): TraceSpan => {
  const found = spans.filter(test);
  if (found.length !== 1)
    throw new Error(`expected one ${what}, found ${found.length}: ${spans.map((s) => s.name)}`);
  return found[0] as TraceSpan;
};
const statement = (s: TraceSpan) =>
  String(s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? '');

describe('one trace per order', () => {
  it('request → publish → the processor → its write, parent-linked, found by order id', async () => {
    const { orderId, reply } = await placeCompleted(api.url);
    const trace = await traceOf(orderId);
    expect(trace.complete).toBe(true);
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    // The API told the client (and nginx's log) which trace its request started.
    expect(reply.traceresponse).toMatch(new RegExp(`^00-${trace.traceId}-[0-9a-f]{16}-01$`));

    // One root: the API's HTTP server span for the POST.
    expect(trace.roots).toHaveLength(1);
    const request = trace.roots[0] as TraceSpan;
    expect(request.service).toBe('api-gateway');
    expect(request.name).toMatch(/^POST/);
    expect(request.attributes['http.response.status_code']).toBe(202);
    expect(request.resource).toMatchObject({
      'echobase.colour': 'blue',
      'echobase.build': 'trace-test',
    });

    const inApi = everySpan([request]).filter((s) => s.service === 'api-gateway');
    // express is instrumented: only with the --import hook, which a launcher might forget.
    expect(inApi.map((s) => s.name)).toEqual(
      expect.arrayContaining(['router - /orders', 'request handler']),
    );
    // The API's reservation of the order, inside the request.
    only(inApi, (s) => /^INSERT (IGNORE )?INTO orders\b/.test(statement(s)), "the API's INSERT");

    const publish = only(inApi, (s) => s.name.endsWith(' publish'), 'publish span');
    expect(publish.attributes['echobase.order_id']).toBe(orderId);
    expect(publish.name).toBe(`${queues.queueUrl.split('/').at(-1)} publish`);

    // The processor's span is a child of the publish, not merely linked to it.
    const process = only(publish.children, (s) => s.name.endsWith(' process'), 'process span');
    expect(process.service).toBe('order-processor');
    expect(process.attributes['echobase.order_id']).toBe(orderId);
    expect(process.resource['echobase.colour']).toBe('blue');
    const write = everySpan(process.children).filter((s) =>
      /^(UPDATE|INSERT INTO) orders/.test(statement(s)),
    );
    expect(write.length).toBeGreaterThan(0);
    expect(write.every((s) => s.service === 'order-processor')).toBe(true);

    // Found by its trace id too.
    const again = await traceOf(trace.traceId);
    expect(again.spanCount).toBe(trace.spanCount);
  });

  it("puts the trace id on the API's and the processor's lines about the order", async () => {
    const { orderId } = await placeCompleted(api.url);
    const { traceId } = await traceOf(orderId);
    const accessLine = await waitFor('the access line of the POST', async () =>
      api.lines.find((l) => l.trace_id === traceId && l.msg === 'request' && l.status === 202),
    );
    expect(accessLine.span_id).toMatch(/^[0-9a-f]{16}$/);
    const recorded = await waitFor("the processor's line about the order", async () =>
      processor.lines.find((l) => l.orderId === orderId && l.msg === 'order recorded'),
    );
    expect(recorded.trace_id).toBe(traceId);
  });

  it('does not trace probes and scrapes', async () => {
    const res = await fetch(`${api.url}/health/ready`);
    expect(res.headers.get('traceresponse')).toBeNull();
    const placed = await fetch(`${api.url}/api/v1/products`);
    expect(placed.headers.get('traceresponse')).toMatch(/^00-[0-9a-f]{32}-/);
  });
});

describe('tracing off or unreachable', () => {
  it('OTEL_SDK_DISABLED=true: no spans, no trace ids, orders still flow', async () => {
    const off = await spawnApi(queues.queueUrl, { ...IDENTITY, OTEL_SDK_DISABLED: 'true' });
    try {
      const { reply } = await placeCompleted(off.url);
      expect(reply.traceresponse).toBeNull();
      expect(off.lines.some((l) => 'trace_id' in l)).toBe(false);
    } finally {
      await off.stop();
    }
  });

  it('a collector that does not answer costs spans, never an order', async () => {
    const lost = await spawnApi(queues.queueUrl, {
      ...IDENTITY,
      // A port nothing listens on (the discard port, closed here).
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
    });
    try {
      const { reply } = await placeCompleted(lost.url);
      expect(reply.traceresponse).toMatch(/^00-/);
    } finally {
      await lost.stop();
    }
  });

  it('refuses a sampling ratio that is not one, by name', async () => {
    const bad = await spawnApi(queues.queueUrl, { OTEL_TRACES_SAMPLER_ARG: 'NaN' }).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(bad).toContain('OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1');
  });
});
