import { findTrace, type TraceSpan } from '@echobase/ops/trace';
import { expect, test } from '@playwright/test';
import { register } from '../support/app.js';
import { ENV } from '../support/env.js';

const everySpan = (spans: TraceSpan[]): TraceSpan[] =>
  spans.flatMap((s) => [s, ...everySpan(s.children)]);
const only = (spans: TraceSpan[], test: (s: TraceSpan) => boolean, what: string) => {
  const found = spans.filter(test);
  expect(
    found.map((s) => s.name),
    what,
  ).toHaveLength(1);
  return found[0] as TraceSpan;
};

test('an order placed in the browser is one trace: its request → the API → the queue → the processor → its write', async ({
  page,
}) => {
  await register(page);
  await page.getByRole('link', { name: 'Place order' }).click();
  await page.getByRole('radio', { name: /Keyboard/ }).check();
  const posted = page.waitForRequest(
    (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/orders',
  );
  await page.getByRole('button', { name: 'Place order' }).click();
  // The browser starts the trace: its request carries a W3C traceparent of its own.
  const post = await posted;
  const traceparent = (await post.allHeaders()).traceparent ?? '';
  const response = await post.response();
  if (!response) throw new Error('the order request got no response');
  const { orderId } = (await response.json()) as { orderId: string };
  const [, traceId, browserSpan] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent) ?? [];
  expect(traceId, traceparent).toBeDefined();
  await expect(page.locator('.result [data-status]')).toHaveAttribute('data-status', 'completed', {
    timeout: 30_000,
  });

  // Found by the order's id once the processor's spans have arrived: the browser's trace.
  const trace = await findTrace(ENV, orderId, { timeoutMs: 30_000 });
  expect(trace.complete).toBe(true);
  expect(trace.traceId).toBe(traceId);

  // The API's request span is the child of the browser's request (nginx passes the header on).
  const request = only(trace.roots, () => true, 'one root');
  expect(request).toMatchObject({ service: 'api-gateway', parentId: browserSpan });
  expect(request.name).toBe('POST /api/v1/orders');
  expect(request.resource['echobase.colour']).toBe('green');
  // Under the request (inside express's request handler): the order's publish.
  const publish = only(everySpan([request]), (s) => s.name.endsWith(' publish'), 'the publish');
  expect(publish.attributes['echobase.order_id']).toBe(orderId);
  // A child of the send, not merely linked to it; and under it the write of the order.
  const process = only(publish.children, (s) => s.name.endsWith(' process'), 'the processing');
  expect(process).toMatchObject({ service: 'order-processor' });
  expect(process.attributes['echobase.order_id']).toBe(orderId);
  const write = process.children.filter((s) =>
    /^(UPDATE|INSERT (IGNORE )?INTO) orders\b/.test(String(s.attributes['db.query.text'] ?? '')),
  );
  expect(write.length).toBeGreaterThan(0);
});
