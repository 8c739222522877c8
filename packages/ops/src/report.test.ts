import { describe, expect, it } from 'vitest';
import { formatUptime } from './report.js';

describe('formatUptime', () => {
  it('prints seconds, minutes, hours and days as status shows them', () => {
    expect(formatUptime(0)).toBe('0s');
    expect(formatUptime(59.9)).toBe('59s');
    expect(formatUptime(65)).toBe('1m05s');
    expect(formatUptime(2 * 3600 + 7 * 60 + 3)).toBe('2h07m');
    expect(formatUptime(4 * 86_400 + 3 * 3600)).toBe('4d03h');
  });

  it('prints a dash for a process that does not run', () => {
    expect(formatUptime(null)).toBe('-');
    expect(formatUptime(undefined)).toBe('-');
  });
});
