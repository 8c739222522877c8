import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from '@echobase/infra/metrics';
import type { QueueDepth } from '@echobase/infra/queue';
import type { BatchCounts } from './batch.js';
import type { ProcessorState, ProcessorStatus } from './processor.js';

export interface ProcessorMetricsDeps {
  status: () => ProcessorStatus;
  /** The depth of this colour's queue and of its dead-letter queue. */
  depths: () => Promise<{ orders: QueueDepth; deadLetters: QueueDepth }>;
  /** Depths younger than this are answered from the last read (Prometheus and people both ask). */
  depthMaxAgeMs?: number;
}

const STATES: readonly ProcessorState[] = ['idle', 'running', 'paused', 'stopping', 'stopped'];
const OUTCOMES: readonly (keyof BatchCounts)[] = [
  'completed',
  'failed',
  'conflicts',
  'unauthenticated',
  'poison',
  'rejected',
];

/**
 * The processor's figures, read from what it already counts when Prometheus scrapes: messages
 * handled by outcome, orders re-published, its state, the batch in hand, and the depth of its
 * queue and dead-letter queue (one GetQueueAttributes per queue at most every
 * `depthMaxAgeMs`). `startBatch` times each batch.
 */
export function processorMetrics(registry: Registry, deps: ProcessorMetricsDeps) {
  const maxAgeMs = deps.depthMaxAgeMs ?? 5_000;
  let depths: { at: number; value: Awaited<ReturnType<typeof deps.depths>> } | undefined;
  let reading: Promise<Awaited<ReturnType<typeof deps.depths>>> | undefined;
  const currentDepths = async () => {
    if (depths && Date.now() - depths.at < maxAgeMs) return depths.value;
    reading ??= deps.depths().then(
      (value) => {
        depths = { at: Date.now(), value };
        reading = undefined;
        return value;
      },
      (error: unknown) => {
        reading = undefined;
        throw error;
      },
    );
    return reading;
  };

  new Counter({
    name: 'echobase_messages_handled_total',
    help: 'Order messages handled since the start, by outcome (completed and failed orders are written; conflicts are recorded; the rest are left for the DLQ)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const totals = deps.status().totals;
      this.reset();
      for (const outcome of OUTCOMES) this.inc({ outcome }, totals[outcome]);
    },
  });
  new Counter({
    name: 'echobase_orders_republished_total',
    help: 'Orders re-published from their queued rows since the start',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(deps.status().totals.republished);
    },
  });
  new Gauge({
    name: 'echobase_processor_state',
    help: 'The processor state: 1 for the current one (running, paused for a database outage, …)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { state } = deps.status();
      for (const s of STATES) this.set({ state: s }, s === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'echobase_processor_in_flight_messages',
    help: 'Messages of the batch being handled',
    registers: [registry],
    collect() {
      this.set(deps.status().inFlight);
    },
  });
  new Gauge({
    name: 'echobase_queue_messages',
    help: "Messages on this colour's queue and dead-letter queue, by state (visible, in_flight, delayed)",
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const { orders, deadLetters } = await currentDepths();
      for (const [queue, depth] of [
        ['orders', orders],
        ['dead-letter', deadLetters],
      ] as const) {
        this.set({ queue, state: 'visible' }, depth.visible);
        this.set({ queue, state: 'in_flight' }, depth.inFlight);
        this.set({ queue, state: 'delayed' }, depth.delayed);
      }
    },
  });
  const batches = new Histogram({
    name: 'echobase_batch_duration_seconds',
    help: 'Time to handle one batch: verify, validate, write and commit',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  return {
    /** Times one batch: call the returned function when it is done. */
    startBatch: () => batches.startTimer(),
  };
}
export type ProcessorMetrics = ReturnType<typeof processorMetrics>;
