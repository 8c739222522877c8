import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { createSecretsReader, dbCredentialsSchema } from '@echobase/infra/secrets';
import { echobase, type Run } from '@echobase/test-kit/cli';
import { ROOT } from '@echobase/test-kit/env';
import { createConnection } from 'mysql2/promise';
import type { DurableStatus } from '../src/durable.js';
import { envPaths } from '../src/paths.js';
import { DATABASE_NAME, durableNames, type EnvName, LOOPBACK, PORT_PLAN } from '../src/plan.js';
import { awsEndpoint, EMULATOR_CREDENTIALS } from '../src/provision/aws.js';

/** Shared with every test folder (@echobase/test-kit); ops tests import them from here. */
export { expectCleanError, type Run, run } from '@echobase/test-kit/cli';
export { ROOT } from '@echobase/test-kit/env';

/**
 * For the test files that drive native processes (the supervisor, nginx, pids, stub apps on the
 * colour ports): called first, it refuses a run for the docker runtime, whose ci those would
 * start processes beside, and names how to run the file.
 */
export function nativeOnly(file: string): void {
  const runtime = process.env.ECHOBASE_RUNTIME || 'native';
  if (runtime !== 'native') {
    throw new Error(
      `${file} drives native processes; run it for the native runtime ` +
        `(ECHOBASE_RUNTIME=native, or ./scripts/test.sh --runtime native), not ${runtime}`,
    );
  }
}

/** The built CLI as a user runs it, with extra environment: the form these tests call it in. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return echobase(args, { env });
}

export async function status(env: EnvName): Promise<DurableStatus> {
  const result = await cli(['durable', 'status', env, '--json']);
  if (result.code !== 0) throw new Error(`status failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as DurableStatus;
}

export async function pids(env: EnvName): Promise<Record<string, number | null>> {
  return Object.fromEntries((await status(env)).services.map((s) => [s.service, s.pid]));
}

export async function readLogin(env: EnvName, which: 'dbApp' | 'dbRoot') {
  if (which === 'dbRoot') {
    // Only the operator's credentials file holds the root login, never the AWS endpoint.
    const creds = JSON.parse(await credentialsFile(env)) as { dbRootPassword: string };
    return { username: 'root', password: creds.dbRootPassword };
  }
  const reader = createSecretsReader({
    ...awsEndpoint(PORT_PLAN[env].durable.aws),
    credentials: EMULATOR_CREDENTIALS,
    retries: 1,
  });
  try {
    return await reader.getJson(durableNames(env).secrets.dbApp, dbCredentialsSchema);
  } finally {
    reader.close();
  }
}

/** Runs SQL in orders_db with a login read from Secrets Manager, as an app would. */
export async function sql<T = Record<string, unknown>>(
  env: EnvName,
  statement: string,
  params: unknown[] = [],
  as: 'dbApp' | 'dbRoot' = 'dbApp',
): Promise<T[]> {
  const login = await readLogin(env, as);
  const conn = await createConnection({
    host: LOOPBACK,
    port: PORT_PLAN[env].durable.mariadb,
    database: DATABASE_NAME,
    user: login.username,
    password: login.password,
  });
  try {
    const [rows] = await conn.query(statement, params);
    return rows as T[];
  } finally {
    await conn.end();
  }
}

export async function credentialsFile(env: EnvName): Promise<string> {
  return readFile(envPaths(env, ROOT).credentials, 'utf8');
}

/** The ci production listener, as a client reaches it. */
export const PRODUCTION = `http://127.0.0.1:${PORT_PLAN.ci.durable.lbProduction}`;

/** The colour that answered a request on production (the load balancer's header). */
export async function servedBy(): Promise<string | null> {
  const res = await fetch(`${PRODUCTION}/health/live`);
  return res.headers.get('x-echobase-colour');
}

/** `echobase lb status --env ci --json`. */
export async function lb(): Promise<{ active: string | null }> {
  return JSON.parse((await cli(['lb', 'status', '--env', 'ci', '--json'])).stdout);
}

export interface HistoryRow {
  step: string;
  status: string;
  colour: string;
  fromColour: string | null;
  actor: string | null;
  buildId: string;
  startedAt: string;
}

/** The newest `limit` rows of `echobase history --env ci --json`, oldest first. */
export async function history(limit = 30): Promise<HistoryRow[]> {
  const result = await cli(['history', '--env', 'ci', '--json', '--limit', String(limit)]);
  if (result.code !== 0) throw new Error(`history failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as HistoryRow[];
}

/** Who history records as the actor of this test run's commands. */
export const OPERATOR = `${userInfo().username}@${hostname()}`;

/** The build each colour runs on ci, as `status` reports it. */
export async function builds(): Promise<Record<string, string | null>> {
  const s = JSON.parse((await cli(['status', '--env', 'ci', '--json'])).stdout);
  return Object.fromEntries(
    s.colours.map((c: { colour: string; buildId: string | null }) => [c.colour, c.buildId]),
  );
}
