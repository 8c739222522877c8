import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { readCredentials } from './credentials.js';
import { OpsError } from './errors.js';
import { envPaths } from './paths.js';
import {
  type Colour,
  DATABASE_NAME,
  type EnvName,
  LOOPBACK,
  MIGRATOR_DB_USER,
  PORT_PLAN,
} from './plan.js';

export type StepStatus = 'started' | 'succeeded' | 'failed' | 'skipped';

export interface HistoryRow {
  deployId: string;
  colour: Colour;
  buildId: string;
  step: string;
  status: StepStatus;
  message: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/** The deployments table, written as the schema owner (operators' tooling, never the apps). */
export async function historyConnection(env: EnvName, root?: string): Promise<Connection> {
  const creds = await readCredentials(envPaths(env, root).credentials);
  if (!creds) throw new OpsError(`${env} has no credentials yet: ./durable/setup.sh ${env}`);
  return createConnection({
    host: LOOPBACK,
    port: PORT_PLAN[env].durable.mariadb,
    database: DATABASE_NAME,
    user: MIGRATOR_DB_USER,
    password: creds.dbMigratorPassword,
  }).catch((error: Error) => {
    throw new OpsError(
      `cannot reach the ${env} database: ${error.message}; is the durable layer up? ./durable/setup.sh ${env}`,
    );
  });
}

export interface StepRecorder {
  start(step: string): Promise<number>;
  finish(id: number, status: Exclude<StepStatus, 'started'>, message?: string): Promise<void>;
}

export function stepRecorder(
  conn: Connection,
  base: { deployId: string; env: EnvName; colour: Colour; buildId: string },
): StepRecorder {
  return {
    async start(step) {
      const [result] = await conn.query(
        "INSERT INTO deployments (deploy_id, env, colour, build_id, step, status) VALUES (?, ?, ?, ?, ?, 'started')",
        [base.deployId, base.env, base.colour, base.buildId, step],
      );
      return (result as { insertId: number }).insertId;
    },
    async finish(id, status, message) {
      await conn.query(
        'UPDATE deployments SET status = ?, message = ?, finished_at = NOW(3) WHERE id = ?',
        [status, message?.slice(0, 1000) ?? null, id],
      );
    },
  };
}

export async function readHistory(
  conn: Connection,
  env: EnvName,
  limit: number,
): Promise<HistoryRow[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT deploy_id AS deployId, colour, build_id AS buildId, step, status, message, started_at AS startedAt, finished_at AS finishedAt
       FROM deployments WHERE env = ? ORDER BY id DESC LIMIT ?`,
    [env, limit],
  );
  return rows.map((r) => ({
    deployId: r.deployId,
    colour: r.colour,
    buildId: r.buildId,
    step: r.step,
    status: r.status,
    message: r.message,
    startedAt: new Date(r.startedAt).toISOString(),
    finishedAt: r.finishedAt ? new Date(r.finishedAt).toISOString() : null,
  }));
}
