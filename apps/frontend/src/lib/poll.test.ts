import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextDelay, startPolling } from './poll';

describe('nextDelay', () => {
  it('starts short, backs off while nothing changes, and resets on progress', () => {
    expect(nextDelay(null, false)).toBe(2000);
    expect(nextDelay(2000, false)).toBe(3000);
    expect(nextDelay(12_000, false)).toBe(15_000);
    expect(nextDelay(15_000, false)).toBe(15_000);
    expect(nextDelay(15_000, true)).toBe(2000);
  });
});

describe('startPolling', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at once, then at growing intervals until the step says stop', async () => {
    const pending = [true, true, true, false];
    const step = vi.fn(async () => ({ again: pending.shift() ?? false }));
    startPolling(step);
    await vi.advanceTimersByTimeAsync(0);
    expect(step).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1999);
    expect(step).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(step).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(3000);
    expect(step).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(4500);
    expect(step).toHaveBeenCalledTimes(4);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(step).toHaveBeenCalledTimes(4);
  });

  it('stops when the caller stops it', async () => {
    const step = vi.fn(async () => ({ again: true }));
    const stop = startPolling(step);
    await vi.advanceTimersByTimeAsync(2000);
    expect(step).toHaveBeenCalledTimes(2);
    stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(step).toHaveBeenCalledTimes(2);
  });
});
