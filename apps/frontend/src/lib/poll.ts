/**
 * Polling with backoff: run a step now, then again after a delay that grows while nothing
 * changes (and after errors) and drops back to the start when something does; stop when the
 * step says there is nothing left to wait for, or when the caller stops it.
 */
export interface PollStep {
  /** Poll again? False when nothing is pending any more (or polling is pointless). */
  again: boolean;
  /** Something changed: go back to the short delay. */
  progressed?: boolean;
}

export interface PollOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
}

export const POLL_DEFAULTS = { initialMs: 2000, maxMs: 15_000, factor: 1.5 } as const;

export function nextDelay(previous: number | null, progressed: boolean, options: PollOptions = {}) {
  const { initialMs, maxMs, factor } = { ...POLL_DEFAULTS, ...options };
  if (previous === null || progressed) return initialMs;
  return Math.min(Math.round(previous * factor), maxMs);
}

/** Starts polling; returns stop(). A step that throws stops the polling. */
export function startPolling(step: () => Promise<PollStep>, options: PollOptions = {}) {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay: number | null = null;

  async function run() {
    let result: PollStep;
    try {
      result = await step();
    } catch {
      return;
    }
    if (stopped || !result.again) return;
    delay = nextDelay(delay, result.progressed ?? false, options);
    timer = setTimeout(run, delay);
  }

  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
