import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Answer, type Session, send } from '@echobase/test-kit/http';
import { LOOPBACK } from '../plan.js';

/**
 * The traffic a chaos run keeps up while it breaks things: keep-alive readers and order
 * writers on the production listener, one request at a time each, no client retries for reads.
 * A writer whose order was not accepted retries the SAME order with the SAME Idempotency-Key
 * (as a real client should) until it is accepted, so every order a writer meant to place has
 * exactly one id, and the database can be held to that list exactly.
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

export interface Load {
  readonly outcomes: Outcome[];
  /** Order id → the label that was current when the order was first attempted. */
  readonly accepted: Map<string, string>;
  /** Order id → the request id of the answer that accepted it, to find it in the logs. */
  readonly requestIds: Map<string, string>;
  /** Orders still being retried (not accepted yet). */
  pending(): number;
  /** Labels the orders placed from now on (the fault being injected). */
  label(name: string): void;
  /** Milliseconds since the load started. */
  now(): number;
  /** Stops the readers at once; writers finish (accept) the order in hand first. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export function startLoad(options: {
  port: number;
  readers: Session[];
  writers: Session[];
  productIds: number[];
}): Load {
  const started = performance.now();
  const now = () => Math.round(performance.now() - started);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: options.readers.length + options.writers.length,
  });
  const outcomes: Outcome[] = [];
  const accepted = new Map<string, string>();
  const requestIds = new Map<string, string>();
  let label = 'warm-up';
  let running = true;
  let pendingOrders = 0;
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
  const attempt = (p: Promise<Answer>) => p.catch((error: Error) => error);
  const target = { host: LOOPBACK, port: options.port, timeoutMs: 10_000 };

  const reader = async (session: Session) => {
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrfToken };
    for (let i = 0; running; i++) {
      const path = i % 2 === 0 ? '/api/v1/products' : '/api/v1/orders';
      record('read', await attempt(send(agent, target, 'GET', path, headers)));
    }
  };
  const writer = async (session: Session, w: number) => {
    for (let i = 0; running; i++) {
      const orderLabel = label;
      const key = randomUUID();
      const productId = options.productIds[(i + w) % options.productIds.length] as number;
      const headers = {
        cookie: session.cookie,
        'x-csrf-token': session.csrfToken,
        'content-type': 'application/json',
        'idempotency-key': key,
      };
      const body = JSON.stringify({ productId, quantity: 1 + (i % 3) });
      pendingOrders++;
      // Until accepted: the same key and body each time, so a retry is the same order.
      for (let tries = 0; ; tries++) {
        const answer = await attempt(send(agent, target, 'POST', '/api/v1/orders', headers, body));
        record('order', answer);
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
    }
  };

  const workers = [
    ...options.readers.map((s) => reader(s)),
    ...options.writers.map((s, w) => writer(s, w)),
  ];
  return {
    outcomes,
    accepted,
    requestIds,
    pending: () => pendingOrders,
    label(name) {
      label = name;
    },
    now,
    async stop({ timeoutMs = 120_000 } = {}) {
      running = false;
      const giveUp = new AbortController();
      const timeout = sleep(timeoutMs, undefined, { signal: giveUp.signal }).then(() => {
        throw new Error(
          `chaos: ${pendingOrders} orders were still not accepted after ${timeoutMs / 1000} s`,
        );
      });
      try {
        await Promise.race([Promise.all(workers), timeout]);
      } finally {
        giveUp.abort();
        timeout.catch(() => undefined);
        agent.destroy();
      }
    },
  };
}
