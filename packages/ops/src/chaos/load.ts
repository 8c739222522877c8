import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Answer, type Session, send } from '@echobase/test-kit/http';
import { LOOPBACK } from '../plan.js';

/**
 * The traffic a chaos run keeps up while it breaks things: reads and orders on the production
 * listener at a steady rate, over keep-alive connections. The load is open: a request is sent
 * when it is due, whether or not earlier ones have been answered, as real users' requests
 * arrive. (A fixed set of clients that each wait for their answer would send almost nothing
 * while a service is down and hide the failures, and with no pause between requests it would
 * saturate the machine and measure the load generator instead of the restart.) Reads are never
 * retried. An order whose request failed is retried with the SAME Idempotency-Key and body
 * (as a real client should) until accepted, so every order placed has exactly one id and the
 * database can be held to that list exactly.
 */

export interface Outcome {
  /** Milliseconds since the load started. */
  at: number;
  kind: 'read' | 'order';
  /** HTTP status, or 0 when the request got no answer. */
  status: number;
  /** Short reason for a failure: the error code or the start of the body. */
  reason?: string;
}

export interface LoadOptions {
  port: number;
  /** Sessions the reads and the orders are spread over, round-robin. */
  readers: Session[];
  writers: Session[];
  productIds: number[];
  /** Reads (GET products / GET orders, alternately) per second. */
  readsPerSecond: number;
  /** New orders per second (retries of a failed order come on top). */
  ordersPerSecond: number;
  /** Requests allowed under way at once; past it a due request is counted as failed, unsent. */
  maxInFlight?: number;
}

export interface Load {
  readonly outcomes: Outcome[];
  /** Order id → the label that was current when the order was first attempted. */
  readonly accepted: Map<string, string>;
  /** Order id → the request id of the answer that accepted it, to find it in the logs. */
  readonly requestIds: Map<string, string>;
  /** Labels the orders placed from now on (the fault being injected). */
  label(name: string): void;
  /** Milliseconds since the load started. */
  now(): number;
  /** Stops sending new requests; orders in hand are retried until accepted first. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

const TICK_MS = 5;

export function startLoad(options: LoadOptions): Load {
  const started = performance.now();
  const now = () => Math.round(performance.now() - started);
  const maxInFlight = options.maxInFlight ?? 256;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const outcomes: Outcome[] = [];
  const accepted = new Map<string, string>();
  const requestIds = new Map<string, string>();
  const tasks = new Set<Promise<void>>();
  let label = 'warm-up';
  let running = true;
  let pendingOrders = 0;
  let inFlight = 0;
  const record = (kind: Outcome['kind'], answer: Answer | Error) => {
    if (answer instanceof Error) {
      const code = (answer as NodeJS.ErrnoException).code ?? answer.message;
      outcomes.push({ at: now(), kind, status: 0, reason: code });
    } else if (answer.status >= 400) {
      outcomes.push({ at: now(), kind, status: answer.status, reason: answer.body.slice(0, 100) });
    } else {
      outcomes.push({ at: now(), kind, status: answer.status });
    }
  };
  const target = { host: LOOPBACK, port: options.port, timeoutMs: 10_000 };
  /** Sends one request, or records it as failed unsent when too many are under way. */
  const attempt = async (
    kind: Outcome['kind'],
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<Answer | Error> => {
    if (inFlight >= maxInFlight) {
      const error = Object.assign(new Error('unsent'), { code: 'CLIENT_BACKLOG' });
      record(kind, error);
      return error;
    }
    inFlight++;
    const answer = await send(agent, target, method, path, headers, body).catch(
      (error: Error) => error,
    );
    inFlight--;
    record(kind, answer);
    return answer;
  };
  const track = (task: Promise<void>) => {
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  };

  const read = async (n: number) => {
    const session = options.readers[n % options.readers.length] as Session;
    const path = n % 2 === 0 ? '/api/v1/products' : '/api/v1/orders';
    await attempt('read', 'GET', path, {
      cookie: session.cookie,
      'x-csrf-token': session.csrfToken,
    });
  };
  const order = async (n: number) => {
    const orderLabel = label;
    const session = options.writers[n % options.writers.length] as Session;
    const productId = options.productIds[n % options.productIds.length] as number;
    const headers = {
      cookie: session.cookie,
      'x-csrf-token': session.csrfToken,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    };
    const body = JSON.stringify({ productId, quantity: 1 + (n % 3) });
    pendingOrders++;
    // Until accepted: the same key and body each time, so a retry is the same order.
    for (let tries = 0; ; tries++) {
      const answer = await attempt('order', 'POST', '/api/v1/orders', headers, body);
      // 202 accepted; 200 is the same order replayed (its first 202 was lost on the way).
      if (!(answer instanceof Error) && (answer.status === 202 || answer.status === 200)) {
        const { orderId } = JSON.parse(answer.body) as { orderId: string };
        accepted.set(orderId, orderLabel);
        requestIds.set(orderId, String(answer.headers['x-request-id'] ?? ''));
        break;
      }
      // Refused for good (4xx but 429): counted as a failed request, and never retried.
      if (!(answer instanceof Error) && answer.status < 500 && answer.status !== 429) break;
      await sleep(Math.min(1000, 50 * 2 ** Math.min(tries, 5)));
    }
    pendingOrders--;
  };

  // Open loop: every tick sends what has fallen due since the start at the configured rates.
  let reads = 0;
  let orders = 0;
  const schedule = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    for (; reads < Math.floor(elapsed * options.readsPerSecond); reads++) track(read(reads));
    for (; orders < Math.floor(elapsed * options.ordersPerSecond); orders++) track(order(orders));
  }, TICK_MS);

  return {
    outcomes,
    accepted,
    requestIds,
    label(name) {
      label = name;
    },
    now,
    async stop({ timeoutMs = 120_000 } = {}) {
      if (running) clearInterval(schedule);
      running = false;
      const giveUp = new AbortController();
      const timeout = sleep(timeoutMs, undefined, { signal: giveUp.signal }).then(() => {
        throw new Error(
          `chaos: ${pendingOrders} orders were still not accepted after ${timeoutMs / 1000} s`,
        );
      });
      try {
        await Promise.race([Promise.all([...tasks]), timeout]);
      } finally {
        giveUp.abort();
        timeout.catch(() => undefined);
        agent.destroy();
      }
    },
  };
}
