import { describe, expect, it } from 'vitest';
import { formatHistoryRow, type HistoryRow } from './history.js';

const row = (over: Partial<HistoryRow>): HistoryRow => ({
  deployId: '0123456789abcdef',
  colour: 'green',
  fromColour: null,
  buildId: 'abc123def456',
  actor: 'ana@box',
  step: 'start',
  status: 'succeeded',
  message: 'green started',
  startedAt: '2026-01-02T03:04:05.678Z',
  finishedAt: '2026-01-02T03:04:06.000Z',
  ...over,
});

describe('history for people', () => {
  it('shows a switch as from → to, with who did it', () => {
    const line = formatHistoryRow(
      row({ step: 'rollback', fromColour: 'green', colour: 'blue', message: 'back on blue' }),
    );
    expect(line).toMatch(
      /^2026-01-02T03:04:05\.678Z {2}01234567 {2}ana@box\s+rollback\s+green → blue\s+abc123def456\s+succeeded\s+back on blue$/,
    );
    expect(formatHistoryRow(row({ step: 'switch', fromColour: null }))).toMatch(
      /switch\s+nothing → green\s/,
    );
    expect(formatHistoryRow(row({ step: 'switch-back', fromColour: 'blue' }))).toMatch(
      /switch-back\s+blue → green\s/,
    );
  });

  it('shows other steps with their colour, and a dash for what was not recorded', () => {
    const line = formatHistoryRow(row({ actor: null, buildId: '', message: null }));
    expect(line).toMatch(/01234567 {2}-\s+start\s+green\s+-\s+succeeded$/);
    expect(line).not.toMatch(/→/);
  });
});
