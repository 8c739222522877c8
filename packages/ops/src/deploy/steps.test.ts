import { describe, expect, it } from 'vitest';
import { silentReporter } from '../report.js';
import type { StepRecorder } from './history.js';
import { stepRunner } from './steps.js';

function recorder() {
  const rows: { id: number; step: string; status: string; message?: string; move?: unknown }[] = [];
  const record: StepRecorder = {
    async start(step, move) {
      rows.push({ id: rows.length + 1, step, status: 'started', ...(move ? { move } : {}) });
      return rows.length;
    },
    async finish(id, status, message) {
      Object.assign(rows[id - 1] ?? {}, { status, message });
    },
  };
  return { rows, record };
}

describe('stepRunner', () => {
  it('records a step as started, then succeeded with its outcome, and returns its result', async () => {
    const { rows, record } = recorder();
    const step = stepRunner(record, silentReporter);
    const result = await step(
      'switch',
      async () => 'green',
      (r) => `production now ${r}`,
      { colour: 'green', from: 'blue' },
    );
    expect(result).toBe('green');
    expect(rows).toEqual([
      {
        id: 1,
        step: 'switch',
        status: 'succeeded',
        message: 'production now green',
        move: { colour: 'green', from: 'blue' },
      },
    ]);
  });

  it('records a failed step with the error message and throws the error on', async () => {
    const { rows, record } = recorder();
    const step = stepRunner(record, silentReporter);
    const failure = new Error('blue did not stay ready for 3 checks in a row within 60 s');
    await expect(
      step(
        'readiness',
        async () => {
          throw failure;
        },
        () => 'ready',
      ),
    ).rejects.toBe(failure);
    expect(rows).toEqual([
      { id: 1, step: 'readiness', status: 'failed', message: failure.message },
    ]);
  });
});
