import { textCollector } from '@echobase/test-kit/logs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerLbCommands } from '../cli/lb.js';
import type { EnvName } from '../plan.js';
import type { SwitchResult } from './lb.js';

/** `echobase switch …` against a fake load balancer answering `answer`, with history faked too. */
async function runSwitch(
  args: string[],
  answer: SwitchResult,
  record: (env: EnvName, result: SwitchResult, message: string) => Promise<void>,
) {
  const out = textCollector();
  const err = textCollector();
  const fetch = (async () =>
    new Response(JSON.stringify(answer), {
      headers: { 'content-type': 'application/json' },
    })) as unknown as typeof globalThis.fetch;
  const program = new Command('echobase').exitOverride();
  registerLbCommands(program, out.stream, err.stream, { fetch, token: 't' }, record);
  await program.parseAsync(['switch', ...args], { from: 'user' });
  return { out: out.text(), err: err.text() };
}

describe('echobase switch and history', () => {
  it('records a switch that moved production, from and to', async () => {
    const recorded: unknown[] = [];
    const result = await runSwitch(
      ['green', '--env', 'ci'],
      { active: 'green', previous: 'blue' },
      async (...call) => {
        recorded.push(call);
      },
    );
    expect(result.out).toBe('production on ci now routes to green (was blue)\n');
    expect(recorded).toEqual([
      [
        'ci',
        { active: 'green', previous: 'blue' },
        'production on ci now routes to green (was blue)',
      ],
    ]);
  });

  it('records nothing when production already routed to that colour', async () => {
    const recorded: unknown[] = [];
    await runSwitch(['green', '--env', 'ci'], { active: 'green', previous: 'green' }, async () => {
      recorded.push(1);
    });
    expect(recorded).toEqual([]);
  });

  it('keeps the switch and says so when history cannot be written', async () => {
    const result = await runSwitch(
      ['blue', '--env', 'ci'],
      { active: 'blue', previous: 'green' },
      async () => {
        throw new Error('cannot reach the ci database: connect ECONNREFUSED 127.0.0.1:3307');
      },
    );
    expect(result.out).toBe('production on ci now routes to blue (was green)\n');
    expect(result.err).toBe(
      'echobase: switched, but not recorded in history: cannot reach the ci database: connect ECONNREFUSED 127.0.0.1:3307\n',
    );
  });
});
