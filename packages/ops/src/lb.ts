import type { Command } from 'commander';
import { z } from 'zod';
import { readCredentials } from './credentials.js';
import { messageOf, OpsError } from './errors.js';
import { recordSwitch } from './history.js';
import { envPaths } from './paths.js';
import { COLOURS, type Colour, type EnvName, LOOPBACK, PORT_PLAN } from './plan.js';
import { colourArgument, envOption } from './stack-cli.js';

/**
 * The load balancer's admin API (nginx/lua/echobase.lua), on the environment's loopback admin
 * port in both runtimes: the active colour, the switch, and per-colour traffic counters. The
 * switch is a write to nginx's shared memory, persisted to a state file; nginx never reloads.
 * Every call carries the environment's admin token (Authorization: Bearer), read from its
 * credentials file rather than Secrets Manager, so a switch works while the AWS endpoint is down.
 */

const countersSchema = z.object({
  /** Requests proxied to the colour and not finished yet: 0 on the old colour = drained. */
  inFlight: z.number().int().nonnegative(),
  /** Finished requests since nginx started (monotonic: compare two readings). */
  requests: z.number().int().nonnegative(),
  /** Of those, answered 5xx (by the colour, or by nginx when the colour did not answer). */
  errors5xx: z.number().int().nonnegative(),
});
const colourSchema = z.enum(COLOURS);
const stateSchema = z.object({
  active: colourSchema.nullable(),
  switchedAt: z.string().nullable(),
  colours: z.object({ blue: countersSchema, green: countersSchema }),
});
const switchSchema = z.object({ active: colourSchema, previous: colourSchema.nullable() });
const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export type ColourCounters = z.infer<typeof countersSchema>;
export type LbState = z.infer<typeof stateSchema>;
export type SwitchResult = z.infer<typeof switchSchema>;

export interface LbClientOptions {
  /** For tests; the global fetch by default. */
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** The admin token; by default the one in the environment's credentials file. */
  token?: string;
  /** The checkout whose .echobase/<env>/credentials.json holds the token (tests). */
  root?: string;
}

export function lbAdminUrl(env: EnvName): string {
  return `http://${LOOPBACK}:${PORT_PLAN[env].durable.lbAdmin}`;
}

async function adminToken(env: EnvName, options: LbClientOptions): Promise<string> {
  if (options.token !== undefined) return options.token;
  const creds = await readCredentials(envPaths(env, options.root).credentials);
  if (!creds)
    throw new OpsError(
      `${env} has no credentials file; set it up first: ./durable/setup.sh ${env}`,
    );
  return creds.lbAdminToken;
}

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

async function admin<T>(
  env: EnvName,
  what: string,
  path: string,
  schema: z.ZodType<T>,
  init: RequestInit,
  options: LbClientOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const url = `${lbAdminUrl(env)}${path}`;
  const headers = { ...(init.headers as Record<string, string>) };
  headers.authorization = `Bearer ${await adminToken(env, options)}`;
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, {
      ...init,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError')
      throw new OpsError(
        `the load balancer of ${env} did not answer ${what} within ${timeoutMs / 1000} s (${url})`,
        { cause: error },
      );
    if (causeCode(error) === 'ECONNREFUSED')
      throw new OpsError(`the load balancer of ${env} is not running: ./durable/setup.sh ${env}`, {
        cause: error,
      });
    throw new OpsError(
      `cannot reach the load balancer of ${env} at ${url}: ${causeCode(error) ?? messageOf(error)}`,
      { cause: error },
    );
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const refusal = errorSchema.safeParse(body);
    throw new OpsError(
      `the load balancer of ${env} refused ${what}: ${refusal.success ? refusal.data.error.message : `HTTP ${res.status}`}`,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new OpsError(`the load balancer of ${env} gave an unexpected answer to ${what} (${url})`);
  return parsed.data;
}

/** The active colour and the per-colour counters. */
export function lbState(env: EnvName, options: LbClientOptions = {}): Promise<LbState> {
  return admin(env, 'the state request', '/state', stateSchema, { method: 'GET' }, options);
}

/**
 * Routes the environment's production traffic to `colour`: persisted first, then served from
 * the next request on. Switching to the active colour changes nothing (previous === active).
 */
export function switchColour(
  env: EnvName,
  colour: Colour,
  options: LbClientOptions = {},
): Promise<SwitchResult> {
  return admin(
    env,
    `the switch to ${colour}`,
    '/switch',
    switchSchema,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ colour }),
    },
    options,
  );
}

/** "production on ci now routes to green (was blue)". */
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
