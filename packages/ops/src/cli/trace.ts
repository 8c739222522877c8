import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { EnvName } from '../plan.js';
import { findTrace, formatTrace } from '../trace.js';
import { envOption } from './args.js';

type Out = { write(text: string): unknown };

export function registerTraceCommands(program: Command, out: Out, _err: Out): void {
  program
    .command('trace')
    .description(
      "an order's trace (or any trace by id) from the environment's Jaeger, as a tree of spans: request → publish → the processor → its database write",
    )
    .argument('<id>', 'an order id, or a trace id (32 hex digits, as `logs --json` shows it)')
    .addOption(envOption())
    .option('--wait <seconds>', 'how long to wait for the spans to arrive', '15')
    .option('--json', 'the tree as JSON', false)
    .action(async (id: string, opts: { env: EnvName; wait: string; json: boolean }) => {
      const wait = Number(opts.wait);
      if (!Number.isFinite(wait) || wait < 0 || wait > 600)
        throw new UsageError(`--wait takes a number of seconds from 0 to 600, not '${opts.wait}'`);
      const trace = await findTrace(opts.env, id, { timeoutMs: wait * 1000 });
      out.write(opts.json ? `${JSON.stringify(trace, null, 2)}\n` : formatTrace(trace));
    });
}
