import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createSecretsReader, dbCredentialsSchema } from '@echobase/infra/secrets';
import { createConnection } from 'mysql2/promise';
import { awsEndpoint, EMULATOR_CREDENTIALS } from '../src/aws.js';
import type { DurableStatus } from '../src/durable.js';
import { envPaths } from '../src/paths.js';
import { DATABASE_NAME, durableNames, type EnvName, LOOPBACK, PORT_PLAN } from '../src/plan.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and returns its exit code and output; never throws. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile(
      command,
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

/** The built CLI, as a user runs it (native runtime forced: no engine here, and none wanted). */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return run('node', [CLI, ...args], { ECHOBASE_RUNTIME: 'native', ...env });
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

/** Output with no stack trace and no secrets: what every error path must look like. */
export function expectCleanError(result: Run): string {
  const text = `${result.stdout}${result.stderr}`;
  if (/\n\s+at /.test(text)) throw new Error(`output holds a stack trace:\n${text}`);
  return result.stderr.trim();
}
