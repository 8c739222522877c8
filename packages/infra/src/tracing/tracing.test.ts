import type { Message } from '@aws-sdk/client-sqs';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SamplingDecision,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { forBatch, processed, processing, publishing, traceResponse, untraced } from './index.js';
import { echobaseSampler, sampleRatio } from './sampler.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({
  sampler: echobaseSampler(1),
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
});
afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const spans = () => exporter.getFinishedSpans();
const named = (name: string) => spans().find((s) => s.name === name) as ReadableSpan;
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** A request's span, as the HTTP instrumentation starts one. */
function inRequest<T>(work: () => T): { span: ReturnType<typeof startRequest>; result: T } {
  const span = startRequest();
  const result = context.with(trace.setSpan(context.active(), span), work);
  return { span, result };
}
const startRequest = () =>
  trace.getTracer('test').startSpan('POST /api/v1/orders', { kind: SpanKind.SERVER });

describe('an order across the queue', () => {
  it("makes the processor's span a child of the publish, through the message's traceparent", async () => {
    let sent: Message | undefined;
    const { span: request, result } = inRequest(() =>
      publishing('orders-blue', 'order-1', async (attributes) => {
        sent = { MessageId: 'm-1', Body: '{}', MessageAttributes: attributes };
        // What the queue client does runs with tracing suppressed: no span of its own.
        trace.getTracer('aws').startSpan('orders-blue send').end();
      }),
    );
    await result;
    request.end();
    expect(sent?.MessageAttributes?.traceparent?.StringValue).toMatch(/^00-[0-9a-f]{32}-/);

    const handled = processing('orders-blue', sent as Message, 'order-1');
    await forBatch('orders-blue', [handled], async () => {
      trace.getTracer('mysql').startSpan('UPDATE').end();
    });
    processed(handled);

    const publish = named('orders-blue publish');
    const process = named('orders-blue process');
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(publish)).toBe(request.spanContext().spanId);
    expect(publish.attributes['echobase.order_id']).toBe('order-1');
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(process)).toBe(publish.spanContext().spanId);
    expect(process.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(parentOf(named('UPDATE'))).toBe(process.spanContext().spanId);
    expect(spans().map((s) => s.name)).not.toContain('orders-blue send');
    expect(handled.ids).toEqual({
      trace_id: request.spanContext().traceId,
      span_id: process.spanContext().spanId,
    });
  });

  it('ends a publish span as failed when the send fails, and passes the error on', async () => {
    const failing = publishing('orders-blue', 'order-2', () => Promise.reject(new Error('down')));
    await expect(failing).rejects.toThrow('down');
    expect(named('orders-blue publish').status.code).toBe(2);
  });

  it('writes a batch of several orders under one span linked to each message', async () => {
    const a = processing('q', { MessageId: 'a' }, 'order-a');
    const b = processing('q', { MessageId: 'b' }, 'order-b');
    await forBatch('q', [a, b], async () => {
      trace.getTracer('mysql').startSpan('UPDATE').end();
    });
    processed(a);
    processed(b, 'not written');
    const batch = named('q process batch');
    expect(batch.attributes['echobase.batch_size']).toBe(2);
    expect(batch.links.map((l) => l.context.spanId).sort()).toEqual(
      [a.span.spanContext().spanId, b.span.spanContext().spanId].sort(),
    );
    expect(parentOf(named('UPDATE'))).toBe(batch.spanContext().spanId);
    // A message without a traceparent starts a trace of its own.
    expect(a.span.spanContext().traceId).not.toBe(b.span.spanContext().traceId);
    const failed = spans().filter((s) => s.name === 'q process' && s.status.code === 2);
    expect(failed).toHaveLength(1);
  });

  it('sends nothing traced from untraced work, and says which trace a request is in', () => {
    const { span, result } = inRequest(() => {
      untraced(() => trace.getTracer('aws').startSpan('republish').end());
      return traceResponse();
    });
    span.end();
    expect(result).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    expect(traceResponse()).toBeUndefined();
    expect(spans().map((s) => s.name)).toEqual(['POST /api/v1/orders']);
  });
});

describe('the sampler', () => {
  const decide = (kind: SpanKind, attributes = {}, ratio = 1) =>
    echobaseSampler(ratio).shouldSample(
      context.active(),
      'f'.repeat(32),
      'span',
      kind,
      attributes,
      [],
    ).decision;

  it('starts traces at requests and orders only, never at polls and background calls', () => {
    expect(decide(SpanKind.SERVER)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(SpanKind.CONSUMER, { 'echobase.order_id': 'x' })).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(decide(SpanKind.CONSUMER)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(SpanKind.CLIENT)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(SpanKind.SERVER, {}, 0)).toBe(SamplingDecision.NOT_RECORD);
  });

  it('takes a ratio from 0 to 1, 1 when unset, and refuses anything else by name', () => {
    expect(sampleRatio(undefined)).toBe(1);
    expect(sampleRatio(' ')).toBe(1);
    expect(sampleRatio('0.25')).toBe(0.25);
    expect(sampleRatio('0')).toBe(0);
    for (const bad of ['NaN', 'abc', '-0.1', '1.5', 'Infinity'])
      expect(() => sampleRatio(bad)).toThrow(
        `OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not '${bad}'`,
      );
  });
});
