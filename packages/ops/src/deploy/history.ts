import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { MigrationError, migrate } from '@echobase/infra/db';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { readStackInfo } from '../colour-stack.js';
import { OpsError } from '../errors.js';
import { envPaths } from '../paths.js';
import {
  type Colour,
  DATABASE_NAME,
  type EnvName,
  LOOPBACK,
  MIGRATOR_DB_USER,
  PORT_PLAN,
} from '../plan.js';
import { readCredentials } from '../provision/credentials.js';

export type StepStatus = 'started' | 'succeeded' | 'failed' | 'skipped';

export interface HistoryRow {
  /** The deploy, rollback or switch the row belongs to. */
  deployId: string;
  /** The colour the step acts on; for a switch, the colour production moved to. */
  colour: Colour;
  /** For a switch, the colour production left (null: nothing served before). */
  fromColour: Colour | null;
  buildId: string;
  /** Who ran it: user@host (null on rows written before it was recorded). */
  actor: string | null;
  step: string;
  status: StepStatus;
  message: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/** Steps that move production from one colour to another. */
export const SWITCH_STEPS = ['switch', 'switch-back', 'rollback'] as const;

/**
 * The deployments table, written as the schema owner (operators' tooling, never the apps). The
 * pending migrations (expand-only, the ones `durable setup` applies) come first, so a CLI newer
 * than the environment's schema finds the columns it reads and writes.
 */
export async function historyConnection(env: EnvName, root?: string): Promise<Connection> {
  const creds = await readCredentials(envPaths(env, root).credentials);
  if (!creds) throw new OpsError(`${env} has no credentials yet: ./durable/setup.sh ${env}`);
  const config = {
    host: LOOPBACK,
    port: PORT_PLAN[env].durable.mariadb,
    database: DATABASE_NAME,
    user: MIGRATOR_DB_USER,
    password: creds.dbMigratorPassword,
  };
  const unreachable = (error: Error) =>
    new OpsError(
      `cannot reach the ${env} database: ${error.message}; is the durable layer up? ./durable/setup.sh ${env}`,
    );
  await migrate(config).catch((error: Error) => {
    if (error instanceof MigrationError)
      throw new OpsError(`the ${env} schema cannot be brought up to date: ${error.message}`);
    throw unreachable(error);
  });
  return createConnection(config).catch((error: Error) => {
    throw unreachable(error);
  });
}

/** Who runs this command, as history names them: the OS user and the machine. */
export function currentActor(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // A uid with no passwd entry (some containers).
    user = `uid ${process.getuid?.() ?? '?'}`;
  }
  return `${user}@${hostname()}`.slice(0, 128);
}

interface NewRow {
  deployId: string;
  env: EnvName;
  colour: Colour;
  fromColour: Colour | null;
  buildId: string;
  step: string;
  status: StepStatus;
  message?: string;
}

/** The one INSERT into the deployments table; a row with a final status is finished now. */
async function insertRow(conn: Connection, row: NewRow): Promise<number> {
  const [result] = await conn.query(
    `INSERT INTO deployments (deploy_id, env, colour, from_colour, build_id, actor, step, status, message, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, IF(? = 'started', NULL, NOW(3)))`,
    [
      row.deployId,
      row.env,
      row.colour,
      row.fromColour,
      row.buildId,
      currentActor(),
      row.step,
      row.status,
      row.message?.slice(0, 1000) ?? null,
      row.status,
    ],
  );
  return (result as { insertId: number }).insertId;
}

export interface StepRecorder {
  /** A switch step names where production goes (`colour`) and where it was (`from`). */
  start(step: string, move?: { colour: Colour; from: Colour | null }): Promise<number>;
  finish(id: number, status: Exclude<StepStatus, 'started'>, message?: string): Promise<void>;
}

export function stepRecorder(
  conn: Connection,
  base: { deployId: string; env: EnvName; colour: Colour; buildId: string },
): StepRecorder {
  return {
    start(step, move) {
      return insertRow(conn, {
        ...base,
        colour: move?.colour ?? base.colour,
        fromColour: move?.from ?? null,
        step,
        status: 'started',
      });
    },
    async finish(id, status, message) {
      await conn.query(
        'UPDATE deployments SET status = ?, message = ?, finished_at = NOW(3) WHERE id = ?',
        [status, message?.slice(0, 1000) ?? null, id],
      );
    },
  };
}

/** A switch of production made outside a deploy (`echobase switch`, `rollback`), once made. */
export async function recordSwitch(
  env: EnvName,
  move: {
    step: 'switch' | 'rollback';
    from: Colour | null;
    to: Colour;
    /** The build `to` runs; read from its stack when omitted. */
    buildId?: string | null;
    message: string;
    deployId?: string;
  },
  root?: string,
): Promise<void> {
  const buildId =
    move.buildId === undefined
      ? ((await readStackInfo(env, move.to, root))?.buildId ?? null)
      : move.buildId;
  const conn = await historyConnection(env, root);
  try {
    await insertRow(conn, {
      deployId: move.deployId ?? randomUUID(),
      env,
      colour: move.to,
      fromColour: move.from,
      buildId: buildId ?? '',
      step: move.step,
      status: 'succeeded',
      message: move.message,
    });
  } finally {
    await conn.end();
  }
}

/** The newest `limit` rows, oldest first: history reads down in time order, like a log. */
export async function readHistory(
  conn: Connection,
  env: EnvName,
  limit: number,
): Promise<HistoryRow[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT deploy_id AS deployId, colour, from_colour AS fromColour, build_id AS buildId, actor, step, status, message, started_at AS startedAt, finished_at AS finishedAt
       FROM deployments WHERE env = ? ORDER BY id DESC LIMIT ?`,
    [env, limit],
  );
  return rows.reverse().map((r) => ({
    deployId: r.deployId,
    colour: r.colour,
    fromColour: r.fromColour,
    buildId: r.buildId,
    actor: r.actor,
    step: r.step,
    status: r.status,
    message: r.message,
    startedAt: new Date(r.startedAt).toISOString(),
    finishedAt: r.finishedAt ? new Date(r.finishedAt).toISOString() : null,
  }));
}

/** One row for people: when, which operation, who, what, colours (from → to), build, outcome. */
export function formatHistoryRow(r: HistoryRow): string {
  const colours = (SWITCH_STEPS as readonly string[]).includes(r.step)
    ? `${r.fromColour ?? 'nothing'} → ${r.colour}`
    : r.colour;
  return [
    r.startedAt,
    r.deployId.slice(0, 8),
    (r.actor ?? '-').padEnd(20),
    r.step.padEnd(12),
    colours.padEnd(16),
    (r.buildId || '-').padEnd(30),
    r.status.padEnd(10),
    r.message ?? '',
  ]
    .join('  ')
    .trimEnd();
}
