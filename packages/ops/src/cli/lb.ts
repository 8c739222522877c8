import type { Command } from 'commander';
import { recordSwitch } from '../deploy/history.js';
import {
  type LbClientOptions,
  type LbState,
  lbState,
  type SwitchResult,
  switchColour,
} from '../lb/lb.js';
import { COLOURS, type Colour, type EnvName } from '../plan.js';
import { colourArgument, envOption } from './args.js';

export function describeSwitch(env: EnvName, result: SwitchResult): string {
  if (result.previous === result.active)
    return `production on ${env} already routes to ${result.active}; nothing changed`;
  return `production on ${env} now routes to ${result.active} (was ${result.previous ?? 'no colour'})`;
}

/** `echobase lb status`, for people. */
export function formatLbState(env: EnvName, state: LbState): string {
  const lines = [
    state.active
      ? `production on ${env} routes to ${state.active}${state.switchedAt ? ` (since ${state.switchedAt})` : ''}`
      : `production on ${env} routes to no colour yet (503 until the first switch)`,
    `  ${'colour'.padEnd(8)}${'in-flight'.padEnd(11)}${'requests'.padEnd(10)}5xx`,
  ];
  for (const colour of COLOURS) {
    const c = state.colours[colour];
    const mark = colour === state.active ? '  (production)' : '';
    lines.push(
      `  ${colour.padEnd(8)}${String(c.inFlight).padEnd(11)}${String(c.requests).padEnd(10)}${c.errors5xx}${mark}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Writes a switch that changed production into history (the deployments table by default). */
export type SwitchRecorder = (env: EnvName, result: SwitchResult, message: string) => Promise<void>;

const recordInHistory: SwitchRecorder = (env, result, message) =>
  recordSwitch(env, { step: 'switch', from: result.previous, to: result.active, message });

/** `echobase switch <colour> [--env]` and `echobase lb status [--env] [--json]`. */
export function registerLbCommands(
  program: Command,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  client: LbClientOptions = {},
  record: SwitchRecorder = recordInHistory,
): void {
  program
    .command('switch')
    .description(
      "route the environment's production traffic to a colour (no nginx reload), recorded in history",
    )
    .argument('<colour>', `${COLOURS.join(' or ')}`, colourArgument)
    .addOption(envOption())
    .action(async (colour: Colour, opts: { env: EnvName }) => {
      const result = await switchColour(opts.env, colour, client);
      const line = describeSwitch(opts.env, result);
      out.write(`${line}\n`);
      if (result.previous === result.active) return; // nothing changed: not history
      // Production has moved: a history that cannot be written does not undo that.
      await record(opts.env, result, line).catch((error: Error) =>
        err.write(`echobase: switched, but not recorded in history: ${error.message}\n`),
      );
    });

  program
    .command('lb')
    .description('the load balancer: the active colour and per-colour traffic')
    .exitOverride()
    .command('status')
    .description('the active colour, and per colour: requests in flight, finished, 5xx')
    .addOption(envOption())
    .option('--json', 'machine-readable output', false)
    .action(async (opts: { env: EnvName; json: boolean }) => {
      const state = await lbState(opts.env, client);
      out.write(opts.json ? `${JSON.stringify(state, null, 2)}\n` : formatLbState(opts.env, state));
    });
}
