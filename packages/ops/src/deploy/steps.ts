import type { Colour } from '../plan.js';
import type { Reporter } from '../report.js';
import type { StepRecorder } from './history.js';

/** Runs one named deploy step: `work`, its one-line outcome, and its row in history. */
export type StepRunner = <T>(
  name: string,
  work: () => Promise<T>,
  describe: (result: T) => string,
  move?: { colour: Colour; from: Colour | null },
) => Promise<T>;

/**
 * The deploy's step runner: each step is recorded as started, shown on the reporter as it ends,
 * and recorded as succeeded with its outcome or failed with the error's message, which is then
 * thrown on, so the deploy stops at the first failed step with history saying where.
 */
export function stepRunner(record: StepRecorder, report: Reporter): StepRunner {
  return async (name, work, describe, move) => {
    const id = await record.start(name, move);
    try {
      const result = await report.step(name, work, describe);
      await record.finish(id, 'succeeded', describe(result));
      return result;
    } catch (error) {
      await record.finish(id, 'failed', (error as Error).message);
      throw error;
    }
  };
}
