import { z } from 'zod';
import { messageOf, OpsError } from '../errors.js';
import { envPaths } from '../paths.js';
import { COLOURS, type Colour, type EnvName, LOOPBACK, PORT_PLAN } from '../plan.js';
import { readCredentials } from '../provision/credentials.js';

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
