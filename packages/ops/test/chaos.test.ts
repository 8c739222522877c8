import { describe, expect, it } from 'vitest';
import { runChaos } from '../src/chaos/run.js';
import { nativeOnly } from './support.js';

nativeOnly('chaos.test.ts');

/**
 * A short chaos run on the real ci stacks: every fault once, under load. Nothing is timed here
 * (the 2 s goal is measured by `npm run chaos`); what must hold is that every service comes
 * back, no accepted order is lost or written twice, and requests fail only while the broken
 * service is down.
 */
describe('chaos (short run)', () => {
  it('loses nothing and every service comes back after each fault', async () => {
    const result = await runChaos({
      env: 'ci',
      repeats: 1,
      withSwitch: true,
      readers: 2,
      writers: 2,
    });

    const unrecovered = result.runs.filter((r) => r.recoverySeconds === null);
    expect(unrecovered.map((r) => r.fault)).toEqual([]);
    expect(result.totals.accepted).toBeGreaterThan(0);
    // Named, so a failure says which fault lost them and which request accepted them.
    const lost = result.runs.flatMap((r) =>
      r.lostOrders.map(
        (o) => `${r.fault}${r.switched ? '+switch' : ''}: ${o.orderId} (request ${o.requestId})`,
      ),
    );
    expect(lost).toEqual([]);
    expect(result.totals.lost).toBe(0);
    expect(result.totals.duplicated).toBe(0);
    expect(result.totals.completed).toBe(result.totals.accepted);
    const outside = result.runs.flatMap((r) =>
      r.failures
        .filter((f) => r.recoverySeconds !== null && f.atMs > r.recoverySeconds * 1000 + 1000)
        .map(
          (f) => `${r.fault}${r.switched ? '+switch' : ''} +${f.atMs} ms: ${f.status} ${f.reason}`,
        ),
    );
    expect(outside).toEqual([]);
  }, 900_000);
});
