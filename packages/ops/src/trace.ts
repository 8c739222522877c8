import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { OpsError, UsageError } from './errors.js';
import { isTraceId } from './log-format.js';
import { type EnvName, LOOPBACK, PORT_PLAN } from './plan.js';

/**
 * `echobase trace <orderId|traceId>`: one trace from the environment's Jaeger, as a tree of
 * spans (the request, its publish, the processor's handling, their database statements), read
 * through Jaeger's query API. The same in both runtimes: Jaeger's port is in the port plan.
 */

/** The services whose spans carry an order id (Jaeger searches one service at a time). */
const ORDER_SERVICES = ['api-gateway', 'order-processor'] as const;
const ORDER_ID_TAG = 'echobase.order_id';

export interface TraceSpan {
  spanId: string;
  /** The span it is a child of, when that span is in the trace. */
  parentId: string | null;
  service: string;
  name: string;
  /** Microseconds since the epoch, and the span's length in microseconds. */
  startUs: number;
  durationUs: number;
  attributes: Record<string, string | number | boolean>;
  /** The process's attributes: colour and build. */
  resource: Record<string, string | number | boolean>;
  error: boolean;
  children: TraceSpan[];
}

export interface Trace {
  traceId: string;
  /** Spans with no parent in the trace, oldest first; each holds its children, oldest first. */
  roots: TraceSpan[];
  spanCount: number;
  /** Where Jaeger shows it. */
  url: string;
}

const tag = z.object({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) });
const jaegerTrace = z.object({
  traceID: z.string(),
  spans: z.array(
    z.object({
      spanID: z.string(),
      operationName: z.string(),
      references: z
        .array(z.object({ refType: z.string(), spanID: z.string() }))
        .nullish()
        .transform((r) => r ?? []),
      startTime: z.number(),
      duration: z.number(),
      tags: z
        .array(tag)
        .nullish()
        .transform((t) => t ?? []),
      processID: z.string(),
    }),
  ),
  processes: z.record(
    z.string(),
    z.object({
      serviceName: z.string(),
      tags: z
        .array(tag)
        .nullish()
        .transform((t) => t ?? []),
    }),
  ),
});
const jaegerAnswer = z.object({
  data: z
    .array(jaegerTrace)
    .nullish()
    .transform((d) => d ?? []),
});

export function jaegerBase(env: EnvName): string {
  return `http://${LOOPBACK}:${PORT_PLAN[env].durable.jaeger}`;
}

const record = (tags: z.infer<typeof tag>[]) =>
  Object.fromEntries(tags.map((t) => [t.key, t.value]));

/** Jaeger's JSON for one trace, as a tree. */
export function toTrace(raw: z.infer<typeof jaegerTrace>, base: string): Trace {
  const spans = new Map<string, TraceSpan>();
  for (const s of raw.spans) {
    const process = raw.processes[s.processID];
    const attributes = record(s.tags);
    spans.set(s.spanID, {
      spanId: s.spanID,
      parentId: s.references.find((r) => r.refType === 'CHILD_OF')?.spanID ?? null,
      service: process?.serviceName ?? 'unknown',
      name: s.operationName,
      startUs: s.startTime,
      durationUs: s.duration,
      attributes,
      resource: record(process?.tags ?? []),
      error: attributes.error === true || attributes['otel.status_code'] === 'ERROR',
      children: [],
    });
  }
  const roots: TraceSpan[] = [];
  for (const span of spans.values()) {
    const parent = span.parentId ? spans.get(span.parentId) : undefined;
    if (parent) parent.children.push(span);
    else roots.push(span);
  }
  const byStart = (a: TraceSpan, b: TraceSpan) => a.startUs - b.startUs;
  for (const span of spans.values()) span.children.sort(byStart);
  roots.sort(byStart);
  return {
    traceId: raw.traceID,
    roots,
    spanCount: spans.size,
    url: `${base}/trace/${raw.traceID}`,
  };
}

async function query(url: string): Promise<z.infer<typeof jaegerTrace>[]> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new OpsError(
      `cannot reach Jaeger at ${new URL(url).origin} (${(error as Error).message}); is the durable layer up?`,
    );
  }
  if (res.status === 404) {
    await res.body?.cancel();
    return [];
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new OpsError(`Jaeger answered ${res.status} to ${url}`);
  }
  const parsed = jaegerAnswer.safeParse(await res.json());
  if (!parsed.success) throw new OpsError(`Jaeger's answer to ${url} is not a list of traces`);
  return parsed.data.data;
}

/** The traces with a span about `orderId`, newest first. */
async function tracesOfOrder(base: string, orderId: string) {
  const found = new Map<string, z.infer<typeof jaegerTrace>>();
  for (const service of ORDER_SERVICES) {
    const params = new URLSearchParams({
      service,
      tags: JSON.stringify({ [ORDER_ID_TAG]: orderId }),
      lookback: '168h',
      limit: '20',
    });
    for (const t of await query(`${base}/api/traces?${params}`)) found.set(t.traceID, t);
  }
  const start = (t: z.infer<typeof jaegerTrace>) => Math.min(...t.spans.map((s) => s.startTime));
  return [...found.values()].sort((a, b) => start(b) - start(a));
}

/** True once the trace holds the processor's handling of an order (the end of its path). */
export function reachedProcessor(trace: Trace): boolean {
  const all = (spans: TraceSpan[]): TraceSpan[] => spans.flatMap((s) => [s, ...all(s.children)]);
  return all(trace.roots).some(
    (s) => s.service === 'order-processor' && s.name.endsWith(' process'),
  );
}

/**
 * The trace `id` names: a trace id, or an order id (the order's newest trace). Spans reach
 * Jaeger a second or so after the work, so it asks again until `timeoutMs`: for an order, until
 * the processor's span is there too. Fails when no trace arrives in time.
 */
export async function findTrace(
  env: EnvName,
  id: string,
  { timeoutMs = 15_000, intervalMs = 500 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Trace & { complete: boolean }> {
  const trimmed = id.trim();
  if (trimmed === '' || trimmed.length > 128 || !/^[\w.:-]+$/.test(trimmed))
    throw new UsageError(`'${id}' is neither a trace id (32 hex digits) nor an order id`);
  const base = jaegerBase(env);
  const byTraceId = isTraceId(trimmed.toLowerCase());
  const deadline = Date.now() + timeoutMs;
  let latest: Trace | undefined;
  for (;;) {
    const raw = byTraceId
      ? await query(`${base}/api/traces/${trimmed.toLowerCase()}`)
      : await tracesOfOrder(base, trimmed);
    if (raw[0]) {
      latest = toTrace(raw[0], base);
      if (byTraceId || reachedProcessor(latest)) return { ...latest, complete: true };
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  if (latest) return { ...latest, complete: false };
  throw new OpsError(
    `no trace of ${byTraceId ? 'trace id' : 'order'} ${trimmed} reached Jaeger (${base}) within ${Math.round(timeoutMs / 1000)} s${byTraceId ? '' : '; is tracing on for that colour (OTEL_SDK_DISABLED) and was the order placed on this environment?'}`,
  );
}

function details(span: TraceSpan): string {
  const a = span.attributes;
  const parts: string[] = [];
  const statement = a['db.query.text'] ?? a['db.statement'];
  if (typeof statement === 'string') parts.push(statement.replace(/\s+/g, ' ').slice(0, 70));
  const status = a['http.response.status_code'] ?? a['http.status_code'];
  if (status !== undefined) parts.push(`status ${status}`);
  if (a[ORDER_ID_TAG] !== undefined) parts.push(`order ${a[ORDER_ID_TAG]}`);
  if (span.error) parts.push('ERROR');
  return parts.length > 0 ? `  ${parts.join(' · ')}` : '';
}

/** The tree, one span a line, children indented under their parent, then Jaeger's link. */
export function formatTrace(trace: Trace & { complete?: boolean }): string {
  const lines: string[] = [];
  const first = trace.roots[0];
  const colour = (s: TraceSpan) =>
    [s.resource['echobase.colour'], s.resource['echobase.build']].filter(Boolean).join(' ');
  lines.push(`trace ${trace.traceId}: ${trace.spanCount} spans`);
  const walk = (span: TraceSpan, depth: number) => {
    const offset = first ? ((span.startUs - first.startUs) / 1000).toFixed(1) : '0.0';
    const who = colour(span) ? `${span.service} (${colour(span)})` : span.service;
    lines.push(
      `${'  '.repeat(depth)}${span.name}  [${who}]  +${offset} ms, ${(span.durationUs / 1000).toFixed(1)} ms${details(span)}`,
    );
    for (const child of span.children) walk(child, depth + 1);
  };
  for (const root of trace.roots) walk(root, 0);
  if (trace.complete === false)
    lines.push("(the processor's span has not arrived yet: the order may still be queued)");
  lines.push(`Jaeger: ${trace.url}`);
  return `${lines.join('\n')}\n`;
}
