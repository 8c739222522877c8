/**
 * Tracing for the apps' own code: the spans that tie an order's message to the request that
 * placed it. Only `@opentelemetry/api` is used here, so without the SDK (the `--import` hook in
 * ./register.ts not loaded, or OTEL_SDK_DISABLED=true) every function still works and records
 * nothing.
 *
 * An order's trace: the browser's request → nginx → the API's HTTP span → `<queue> publish`
 * (one per order, PRODUCER) → `<queue> process` (one per message, CONSUMER, its child through
 * the message's `traceparent` attribute) → the processor's database write.
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/**
 * What every launcher of an app passes to node before the app's entry point (`node --import
 * <this> apps/<app>/dist/main.js`): the SDK in ./register.ts, resolved from the working
 * directory (the checkout, a release or an image's root).
 */
export const TRACING_HOOK = ['--import', '@echobase/infra/tracing/register'] as const;

/** The tracer of the apps' own spans. */
const tracer = () => trace.getTracer('@echobase/infra');

/** The attribute every span about an order carries; `echobase trace <orderId>` finds it. */
export const ORDER_ID_ATTRIBUTE = 'echobase.order_id';
/** Set on a span that writes several orders' messages at once. */
export const BATCH_SIZE_ATTRIBUTE = 'echobase.batch_size';

type Attributes = Record<string, MessageAttributeValue>;

const setter = {
  set(carrier: Attributes, key: string, value: string) {
    carrier[key] = { DataType: 'String', StringValue: value };
  },
};
const getter = {
  keys: (carrier: Attributes | undefined) => Object.keys(carrier ?? {}),
  get: (carrier: Attributes | undefined, key: string) => carrier?.[key]?.StringValue,
};

/** The message attributes a receive must ask for so the trace context comes along. */
export function traceAttributeNames(): string[] {
  return propagation.fields();
}

/**
 * The W3C `traceresponse` header for the active span (`00-<trace>-<span>-01`), when it is
 * recorded: the client, and nginx's access log, learn which trace a request started.
 */
export function traceResponse(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return undefined;
  const { traceId, spanId } = span.spanContext();
  return `00-${traceId}-${spanId}-01`;
}

/**
 * Sends the spans still buffered, waiting at most `timeoutMs` (a collector that is down must not
 * hold up a shutdown). An app calls it before it exits.
 */
export async function flushTraces(timeoutMs = 2000): Promise<void> {
  const proxy = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const provider = (proxy.getDelegate?.() ?? proxy) as { forceFlush?: () => Promise<void> };
  if (!provider.forceFlush) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    provider.forceFlush().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

function ended<T>(span: Span, work: Promise<T>): Promise<T> {
  return work.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw error;
    },
  );
}

/**
 * Publishing one order's message, in the caller's context (the request that placed it):
 * a PRODUCER span whose context goes on the message as its `traceparent` attribute, so the
 * processor's span is its child. `send` gets the attributes to add and is run with tracing
 * suppressed: the queue client may send several requests' messages in one call, and its own
 * instrumentation would otherwise stamp every message with that one call's context.
 */
export function publishing<T>(
  queueName: string,
  orderId: string,
  send: (traceAttributes: Attributes) => Promise<T>,
): Promise<T> {
  const span = tracer().startSpan(`${queueName} publish`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      [ORDER_ID_ATTRIBUTE]: orderId,
      'messaging.system': 'aws_sqs',
      'messaging.operation.type': 'send',
      'messaging.destination.name': queueName,
    },
  });
  const withSpan = trace.setSpan(context.active(), span);
  const attributes: Attributes = {};
  propagation.inject(withSpan, attributes, setter);
  return ended(
    span,
    context.with(suppressTracing(withSpan), () => send(attributes)),
  );
}

/**
 * Runs `work` without spans: what it sends carries no trace context. The processor's
 * re-publishes go this way, so the re-sent order starts a trace of its own when it is processed
 * (a background sweep is not a trace, and its context would mark the message "not sampled").
 */
export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}

/** A message's handling: the span, and the context to run its work in. */
export interface Processing {
  span: Span;
  context: Context;
  /** The trace and span ids, for the order's log lines. */
  ids: { trace_id?: string; span_id?: string };
}

/**
 * Starts the CONSUMER span of one received message: a child of the span that published it
 * (read from the message's `traceparent` attribute), a new trace when it carries none (a
 * message from before tracing, or re-published by a processor without it). The caller ends it.
 */
export function processing(queueName: string, message: Message, orderId: string): Processing {
  const parent = propagation.extract(ROOT_CONTEXT, message.MessageAttributes, getter);
  const span = tracer().startSpan(
    `${queueName} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [ORDER_ID_ATTRIBUTE]: orderId,
        'messaging.system': 'aws_sqs',
        'messaging.operation.type': 'process',
        'messaging.destination.name': queueName,
        ...(message.MessageId ? { 'messaging.message.id': message.MessageId } : {}),
      },
    },
    parent,
  );
  const ids = span.isRecording()
    ? { trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId }
    : {};
  return { span, context: trace.setSpan(parent, span), ids };
}

/**
 * Runs work done for several messages at once (one transaction for a batch) in one span: the
 * single message's own when there is one, else a batch span linked to each message's span, so
 * every order's trace leads to the write that recorded it.
 */
export function forBatch<T>(
  queueName: string,
  messages: readonly Processing[],
  work: () => Promise<T>,
): Promise<T> {
  if (messages.length === 1) return context.with((messages[0] as Processing).context, work);
  const batch = tracer().startSpan(
    `${queueName} process batch`,
    {
      kind: SpanKind.INTERNAL,
      attributes: { [BATCH_SIZE_ATTRIBUTE]: messages.length },
      links: messages.map((m) => ({ context: m.span.spanContext() })),
    },
    ROOT_CONTEXT,
  );
  for (const m of messages) m.span.addLink({ context: batch.spanContext() });
  return ended(batch, context.with(trace.setSpan(ROOT_CONTEXT, batch), work));
}

/** Ends a message's span, as failed when `error` is given. */
export function processed(message: Processing, error?: string): void {
  if (error) message.span.setStatus({ code: SpanStatusCode.ERROR, message: error });
  message.span.end();
}
