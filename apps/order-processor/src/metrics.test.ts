import { createRegistry } from '@echobase/infra/metrics';
import { sampleOf } from '@echobase/test-kit/metrics';
import { describe, expect, it, vi } from 'vitest';
import { emptyCounts } from './batch.js';
import { processorMetrics } from './metrics.js';
import type { ProcessorStatus } from './processor.js';

const depth = (visible: number) => ({ visible, inFlight: 1, delayed: 0 });

function setup(status: Partial<ProcessorStatus> = {}) {
  const registry = createRegistry({ service: 'order-processor', colour: 'green', buildId: 'b1' });
  const current: ProcessorStatus = {
    state: 'running',
    since: new Date(0).toISOString(),
    inFlight: 3,
    totals: { ...emptyCounts(), completed: 7, conflicts: 1, poison: 2, republished: 4 },
    ...status,
  };
  const depths = vi.fn(async () => ({ orders: depth(12), deadLetters: depth(2) }));
  const metrics = processorMetrics(registry, { status: () => current, depths });
  return { registry, current, depths, metrics };
}

describe('processor metrics', () => {
  it('reports what the processor counts, its state and both queues, labelled with the colour', async () => {
    const { registry } = setup();
    const text = await registry.metrics();
    const id = { service: 'order-processor', colour: 'green', build: 'b1' };
    const handled = (outcome: string) =>
      sampleOf(text, 'echobase_messages_handled_total', { ...id, outcome });
    expect([
      handled('completed'),
      handled('conflicts'),
      handled('poison'),
      handled('failed'),
    ]).toEqual([7, 1, 2, 0]);
    expect(sampleOf(text, 'echobase_orders_republished_total', id)).toBe(4);
    expect(sampleOf(text, 'echobase_processor_state', { state: 'running' })).toBe(1);
    expect(sampleOf(text, 'echobase_processor_state', { state: 'paused' })).toBe(0);
    expect(sampleOf(text, 'echobase_processor_in_flight_messages', id)).toBe(3);
    expect(sampleOf(text, 'echobase_queue_messages', { queue: 'orders', state: 'visible' })).toBe(
      12,
    );
    expect(
      sampleOf(text, 'echobase_queue_messages', { queue: 'dead-letter', state: 'visible' }),
    ).toBe(2);
  });

  it('follows the totals as they grow, and reads the queues at most once per interval', async () => {
    const { registry, current, depths } = setup();
    await registry.metrics();
    current.totals.completed = 9;
    current.state = 'paused';
    const text = await registry.metrics();
    expect(sampleOf(text, 'echobase_messages_handled_total', { outcome: 'completed' })).toBe(9);
    expect(sampleOf(text, 'echobase_processor_state', { state: 'paused' })).toBe(1);
    expect(depths).toHaveBeenCalledTimes(1);
  });

  it('times each batch', async () => {
    const { registry, metrics } = setup();
    metrics.startBatch()();
    metrics.startBatch()();
    expect(sampleOf(await registry.metrics(), 'echobase_batch_duration_seconds_count')).toBe(2);
  });

  it('fails the scrape, not the process, when the queues cannot be read', async () => {
    const registry = createRegistry({ service: 'order-processor', buildId: 'b1' });
    processorMetrics(registry, {
      status: () => ({
        state: 'running',
        since: '',
        inFlight: 0,
        totals: { ...emptyCounts(), republished: 0 },
      }),
      depths: () => Promise.reject(new Error('endpoint down')),
    });
    await expect(registry.metrics()).rejects.toThrow(/endpoint down/);
  });
});
