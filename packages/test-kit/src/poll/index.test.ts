import { describe, expect, it } from 'vitest';
import { waitFor } from './index.js';

describe('waitFor', () => {
  it('returns the first value that is neither undefined nor false', async () => {
    let calls = 0;
    const value = await waitFor('the third call', () => (++calls === 3 ? 0 : undefined), {
      intervalMs: 1,
    });
    expect({ value, calls }).toEqual({ value: 0, calls: 3 });
  });

  it('fails naming what it waited for', async () => {
    await expect(waitFor('never', () => false, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
      'timed out after 20 ms waiting for never',
    );
  });

  it('fails at once when the check throws', async () => {
    const started = Date.now();
    await expect(
      waitFor('a check that breaks', () => {
        throw new Error('broken');
      }),
    ).rejects.toThrow('broken');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
