import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { COLOURS, type Colour, colourNames, type EnvName } from '../plan.js';
import { emulatorSqs } from '../provision/aws.js';
import {
  type DlqDeps,
  type DlqEntry,
  listDeadLetters,
  purgeDeadLetters,
  redriveDeadLetters,
  type Target,
} from '../queues/dlq.js';
import { colourArgument, envOption } from './args.js';

type Out = { write(text: string): unknown };

function table(entries: readonly DlqEntry[]): string {
  const rows = entries.map((e) => [
    e.id,
    String(e.receiveCount ?? '-'),
    e.sentAt ?? '-',
    e.orderId ? `${e.type} ${e.orderId}` : `not an order: ${e.reason}`,
  ]);
  const header = ['id', 'receives', 'sent', 'message'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows]
    .map(
      (r) =>
        `  ${r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ')}\n`,
    )
    .join('');
}

export function registerDlqCommands(
  program: Command,
  out: Out,
  err: Out,
  deps: DlqDeps = {},
): void {
  const sqsFor = deps.sqsFor ?? emulatorSqs;
  const stdin = deps.stdin ?? process.stdin;

  const dlq = program
    .command('dlq')
    .description("a colour's dead-letter queue: messages that failed three receives")
    .exitOverride();

  async function withTarget<T>(colour: Colour, env: EnvName, work: (t: Target) => Promise<T>) {
    const target = { env, colour, sqs: sqsFor(env) };
    try {
      return await work(target);
    } finally {
      target.sqs.destroy();
    }
  }

  dlq
    .command('list')
    .description('print the messages in the DLQ, leaving them there')
    .argument('<colour>', `colour (${COLOURS.join(', ')})`, colourArgument)
    .addOption(envOption())
    .option('--json', 'machine-readable output', false)
    .action(async (colour: Colour, opts: { env: EnvName; json: boolean }) => {
      const entries = await withTarget(colour, opts.env, listDeadLetters);
      const queue = colourNames(opts.env, colour).deadLetterQueue;
      if (opts.json) {
        out.write(
          `${JSON.stringify({ env: opts.env, colour, queue, count: entries.length, messages: entries }, null, 2)}\n`,
        );
        return;
      }
      out.write(`${queue}: ${entries.length} message(s)\n`);
      if (entries.length > 0) out.write(table(entries));
    });

  dlq
    .command('redrive')
    .description("move the DLQ's messages back to the colour's queue")
    .argument('<colour>', `colour (${COLOURS.join(', ')})`, colourArgument)
    .addOption(envOption())
    .action(async (colour: Colour, opts: { env: EnvName }) => {
      const moved = await withTarget(colour, opts.env, redriveDeadLetters);
      const names = colourNames(opts.env, colour);
      out.write(`moved ${moved} message(s) from ${names.deadLetterQueue} to ${names.queue}\n`);
    });

  dlq
    .command('purge')
    .description('delete every message in the DLQ (asks first unless --yes)')
    .argument('<colour>', `colour (${COLOURS.join(', ')})`, colourArgument)
    .addOption(envOption())
    .option('--yes', 'do not ask for confirmation', false)
    .action(async (colour: Colour, opts: { env: EnvName; yes: boolean }) => {
      const queue = colourNames(opts.env, colour).deadLetterQueue;
      if (!opts.yes && !stdin.isTTY) {
        throw new UsageError(
          `refusing to purge ${queue} without confirmation: no terminal to ask on; pass --yes`,
        );
      }
      const purged = await withTarget(colour, opts.env, (target) =>
        purgeDeadLetters(target, async (count) => {
          if (opts.yes) return true;
          const rl = createInterface({ input: stdin, output: err as NodeJS.WritableStream });
          const answer = await rl
            .question(`purge ${count} message(s) from ${queue}? type the colour name to confirm: `)
            .finally(() => rl.close());
          return answer.trim() === colour;
        }),
      );
      out.write(`purged ${queue} (${purged} message(s))\n`);
    });
}
