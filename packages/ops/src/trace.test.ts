import { describe, expect, it } from 'vitest';
import { isTraceId, lineFilter } from './log-format.js';
import { findTrace, formatTrace, reachedProcessor, toTrace } from './trace.js';

const T = 'a'.repeat(32);
const span = (
  id: string,
  name: string,
  processID: string,
  parent?: string,
  tags = [] as { key: string; value: string | number | boolean }[],
  start = 0,
) => ({
  spanID: id,
  operationName: name,
  references: parent ? [{ refType: 'CHILD_OF', traceID: T, spanID: parent }] : [],
  startTime: 1_000_000 + start,
  duration: 2_500,
  tags,
  processID,
});
const raw = {
  traceID: T,
  spans: [
    span('3', 'orders-blue process', 'p2', '2', [{ key: 'echobase.order_id', value: 'o-1' }], 900),
    span('1', 'POST /api/v1/orders', 'p1', undefined, [
      { key: 'http.response.status_code', value: 202 },
    ]),
    span('2', 'orders-blue publish', 'p1', '1', [], 300),
    span(
      '4',
      'UPDATE',
      'p2',
      '3',
      [
        { key: 'db.query.text', value: 'UPDATE orders\n  SET status = ?' },
        { key: 'otel.status_code', value: 'ERROR' },
      ],
      1000,
    ),
  ],
  processes: {
    p1: {
      serviceName: 'api-gateway',
      tags: [
        { key: 'echobase.colour', value: 'blue' },
        { key: 'echobase.build', value: 'b1' },
      ],
    },
    p2: { serviceName: 'order-processor', tags: [] },
  },
};

describe('echobase trace', () => {
  it("builds the tree from Jaeger's spans, children under their parent, oldest first", () => {
    const trace = toTrace(raw, 'http://127.0.0.1:16786');
    expect(trace.spanCount).toBe(4);
    expect(trace.url).toBe(`http://127.0.0.1:16786/trace/${T}`);
    expect(trace.roots.map((s) => s.name)).toEqual(['POST /api/v1/orders']);
    const publish = trace.roots[0]?.children[0];
    expect(publish?.name).toBe('orders-blue publish');
    expect(publish?.children[0]?.service).toBe('order-processor');
    expect(publish?.children[0]?.children[0]?.error).toBe(true);
    expect(reachedProcessor(trace)).toBe(true);
    expect(formatTrace(trace)).toBe(
      [
        `trace ${T}: 4 spans`,
        'POST /api/v1/orders  [api-gateway (blue b1)]  +0.0 ms, 2.5 ms  status 202',
        '  orders-blue publish  [api-gateway (blue b1)]  +0.3 ms, 2.5 ms',
        '    orders-blue process  [order-processor]  +0.9 ms, 2.5 ms  order o-1',
        '      UPDATE  [order-processor]  +1.0 ms, 2.5 ms  UPDATE orders SET status = ? · ERROR',
        `Jaeger: http://127.0.0.1:16786/trace/${T}`,
        '',
      ].join('\n'),
    );
  });

  it('says when the processor has not been reached yet', () => {
    const partial = toTrace({ ...raw, spans: raw.spans.slice(1, 3) }, 'http://x');
    expect(reachedProcessor(partial)).toBe(false);
    expect(formatTrace({ ...partial, complete: false })).toContain(
      "the processor's span has not arrived yet",
    );
  });

  it('refuses an id that is neither, before asking Jaeger', async () => {
    for (const bad of ['', '   ', 'a b', 'x'.repeat(129), '../../etc'])
      await expect(findTrace('ci', bad)).rejects.toThrow('is neither a trace id');
  });
});

describe('logs --trace', () => {
  it('keeps only the lines of the trace', () => {
    const keep = lineFilter(T);
    expect(keep(`{"level":30,"trace_id":"${T}","msg":"request"}`)).toBe(true);
    expect(keep(`127.0.0.1 "POST /api/v1/orders" 202 trace=${T}`)).toBe(true);
    expect(keep('{"level":30,"msg":"request"}')).toBe(false);
    expect(lineFilter(undefined)('anything')).toBe(true);
  });

  it('takes a W3C trace id only', () => {
    expect(isTraceId(T)).toBe(true);
    for (const bad of ['0'.repeat(32), 'A'.repeat(32), 'a'.repeat(31), `${T}0`, 'g'.repeat(32)])
      expect(isTraceId(bad)).toBe(false);
  });
});
