import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSecretsReader, dbCredentialsSchema } from '@echobase/infra/secrets';
import { type Session, signUp } from '@echobase/test-kit/http';
import { createConnection } from 'mysql2/promise';
import { appEnvironment } from '../app-env.js';
import { buildRelease, readRelease } from '../deploy/release.js';
import { setupDurable } from '../durable.js';
import { OpsError } from '../errors.js';
import { lbState, switchColour } from '../lb/lb.js';
import { repoRoot } from '../paths.js';
import { type Colour, DATABASE_NAME, type EnvName, LOOPBACK, PORT_PLAN } from '../plan.js';
import { waitFor } from '../process.js';
import { awsEndpoint, EMULATOR_CREDENTIALS } from '../provision/aws.js';
import { type Reporter, silentReporter } from '../report.js';
import { stackDown, stackStatus, stackUp } from '../stack.js';
import { FAULTS, type FaultContext, type FaultName, kill, recovered, victim } from './faults.js';
import { type Outcome, startLoad } from './load.js';

/**
 * The chaos run: with readers and order writers on the production listener, one fault at a
 * time, each repeated, plain and with a colour switch right after the kill. For every fault it
 * counts orders (accepted, in the database, completed, lost, duplicated), failed requests (with
 * when they happened relative to the kill), and how long the service took to answer again.
 * Library code: `npm run chaos` prints and saves it, a test runs a short version.
 */

export interface ChaosOptions {
  env: EnvName;
  faults?: readonly FaultName[];
  repeats?: number;
  /** Also run every fault with a switch of production to the other colour right after it. */
  withSwitch?: boolean;
  /** Sessions the reads and the orders are spread over. */
  readers?: number;
  writers?: number;
  /** The steady load: reads and new orders per second (see chaos/load.ts). */
  readsPerSecond?: number;
  ordersPerSecond?: number;
  /** Run this release on both colours instead of building the checkout. */
  build?: string;
  /** How long to wait for every accepted order to be completed at the end. */
  settleMs?: number;
  report?: Reporter;
}

export interface FailedRequest {
  /** Milliseconds after the kill (negative: before it). */
  atMs: number;
  kind: Outcome['kind'];
  status: number;
  reason: string;
}

export interface FaultRun {
  fault: FaultName;
  switched: boolean;
  repeat: number;
  colour: Colour;
  /** Kill → the service answered again; null if it never did within the limit. */
  recoverySeconds: number | null;
  /** Kill → every service of both colours and the durable layer ready again. */
  allReadySeconds: number | null;
  orders: { accepted: number; inDatabase: number; completed: number; lost: number };
  /** Accepted orders not in the database (id and the request id that accepted it). */
  lostOrders: { orderId: string; requestId: string }[];
  failedRequests: number;
  /** Failures after the service answered again (+1 s for requests already under way). */
  failedOutsideWindow: number;
  failures: FailedRequest[];
}

export interface ChaosResult {
  env: EnvName;
  settings: {
    repeats: number;
    readers: number;
    writers: number;
    readsPerSecond: number;
    ordersPerSecond: number;
    withSwitch: boolean;
  };
  /** What the load was while faults were injected: requests sent and the machine's CPU use. */
  load: { seconds: number; readsPerSecond: number; ordersPerSecond: number; cpuPercent: number };
  runs: FaultRun[];
  /** Failed requests before the first fault: there should be none. */
  failedBeforeFaults: FailedRequest[];
  totals: {
    accepted: number;
    completed: number;
    lost: number;
    duplicated: number;
    failedRequests: number;
    failedOutsideWindow: number;
    worstRecoverySeconds: number | null;
    unrecovered: number;
  };
  goal: { lost: 0; duplicated: 0; recoverySeconds: 2; met: boolean };
}

const RECOVERY_LIMIT_MS = 60_000;
/** Past the supervisor's startsecs (5 s): a kill before that is a crash loop, backed off. */
const SETTLED_SECONDS = 6;
/** A request under way when the service came back can still fail: 1 s of grace. */
const GRACE_MS = 1000;

/**
 * The default load: steady traffic that leaves the machine room to restart a process. On the
 * two-core machines this project is measured on, 100 reads and 25 orders a second kept the whole
 * machine 70–90% busy (the load generator included); these rates, about 55% over a full run.
 */
export const DEFAULT_READS_PER_SECOND = 50;
export const DEFAULT_ORDERS_PER_SECOND = 12;

/** The machine's busy and total CPU time so far (all cores), for the load's CPU figure. */
function cpuBusy(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    busy += all - times.idle;
    total += all;
  }
  return { busy, total };
}

function busyPercent(from: { busy: number; total: number }, to: typeof from): number {
  const total = to.total - from.total;
  return total > 0 ? Math.round(((to.busy - from.busy) / total) * 100) : 0;
}

const other = (c: Colour): Colour => (c === 'blue' ? 'green' : 'blue');
const seconds = (ms: number) => Math.round(ms) / 1000;

async function appLogin(env: EnvName) {
  const reader = createSecretsReader({
    ...awsEndpoint(PORT_PLAN[env].durable.aws),
    credentials: EMULATOR_CREDENTIALS,
  });
  try {
    return await reader.getJson(appEnvironment(env).DB_SECRET_NAME as string, dbCredentialsSchema);
  } finally {
    reader.close();
  }
}

/** Both colours and the durable layer answer their readiness checks. */
async function allReady(env: EnvName): Promise<boolean> {
  const stacks = await Promise.all((['blue', 'green'] as const).map((c) => stackStatus(env, c)));
  return stacks.every((s) => s.healthy);
}

async function ordersOf(
  env: EnvName,
  login: { username: string; password: string },
  userIds: number[],
): Promise<{ id: string; status: string }[]> {
  const conn = await createConnection({
    host: LOOPBACK,
    port: PORT_PLAN[env].durable.mariadb,
    database: DATABASE_NAME,
    user: login.username,
    password: login.password,
  });
  try {
    const [rows] = await conn.query('SELECT id, status FROM orders WHERE user_id IN (?)', [
      userIds,
    ]);
    return rows as { id: string; status: string }[];
  } finally {
    await conn.end();
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const env = options.env;
  const faults = options.faults ?? FAULTS;
  const repeats = options.repeats ?? 3;
  const withSwitch = options.withSwitch ?? true;
  const report = options.report ?? silentReporter;
  const port = PORT_PLAN[env].durable.lbProduction;

  // Both colours on this checkout's build, production on blue.
  await setupDurable({ env, report });
  const release = options.build
    ? await readRelease(repoRoot(), options.build)
    : await buildRelease(repoRoot(), report);
  if (!release) throw new OpsError(`no release ${options.build}: see .echobase/releases/`);
  for (const colour of ['blue', 'green'] as const) {
    // A colour left on another build by earlier work is replaced, not refused.
    const current = await stackStatus(env, colour);
    if (current.buildId !== release.buildId && current.services.some((s) => s.state === 'running'))
      await stackDown(env, colour, report);
    await stackUp(env, colour, release, report);
  }
  await switchColour(env, 'blue');

  const dbLogin = await appLogin(env);
  const sessions: Session[] = [];
  for (let i = 0; i < (options.readers ?? 4) + (options.writers ?? 2); i++) {
    sessions.push(await signUp(`http://${LOOPBACK}:${port}`, 'chaos'));
  }
  const readers = sessions.slice(0, options.readers ?? 4);
  const writers = sessions.slice(options.readers ?? 4);
  const catalogue = (await (
    await fetch(`http://${LOOPBACK}:${port}/api/v1/products?pageSize=100`)
  ).json()) as { items: { id: number }[] };
  const readsPerSecond = options.readsPerSecond ?? DEFAULT_READS_PER_SECOND;
  const ordersPerSecond = options.ordersPerSecond ?? DEFAULT_ORDERS_PER_SECOND;
  const load = startLoad({
    port,
    readers,
    writers,
    productIds: catalogue.items.map((p) => p.id),
    readsPerSecond,
    ordersPerSecond,
  });
  await sleep(1000);

  const firstKillAt = load.now();
  const cpuAtFirstKill = cpuBusy();
  let lastFaultEnd = firstKillAt;
  let cpuAtLastFault = cpuAtFirstKill;
  const runs: Omit<FaultRun, 'orders' | 'lostOrders'>[] = [];
  const labels: string[] = [];
  try {
    for (const fault of faults) {
      for (const switched of withSwitch ? [false, true] : [false]) {
        for (let repeat = 1; repeat <= repeats; repeat++) {
          const label = `${fault}${switched ? '+switch' : ''}#${repeat}`;
          labels.push(label);
          load.label(label);
          const active = (await lbState(env)).active ?? 'blue';
          const ctx: FaultContext = { env, active, dbLogin };
          await sleep(500);
          const { pid } = await waitFor(
            `${fault} to have run ${SETTLED_SECONDS} s`,
            async () => {
              const v = await victim(fault, ctx);
              return v.uptimeSeconds >= SETTLED_SECONDS && v;
            },
            { timeoutMs: RECOVERY_LIMIT_MS, intervalMs: 250 },
          );
          const killedAt = load.now();
          await kill(pid);
          // The probe starts with the kill, not after the switch: it measures the restart.
          const back = waitFor(`${fault} to answer again`, () => recovered(fault, ctx), {
            timeoutMs: RECOVERY_LIMIT_MS,
            intervalMs: 20,
          }).then(
            () => load.now(),
            () => null, // never came back: recorded as null below
          );
          if (switched) await switchColour(env, other(active));
          const backAt = await back;
          let readyAt: number | null = null;
          try {
            await waitFor('every service to be ready', () => allReady(env), {
              timeoutMs: RECOVERY_LIMIT_MS,
              intervalMs: 100,
            });
            readyAt = load.now();
          } catch {
            // recorded as null
          }
          await sleep(1000);
          // Every failure from the kill until now belongs to this fault: the next one has not
          // been injected yet.
          const failures = load.outcomes
            .filter((o) => o.at >= killedAt && (o.status === 0 || o.status >= 400))
            .map((o) => ({
              atMs: o.at - killedAt,
              kind: o.kind,
              status: o.status,
              reason: o.reason ?? '',
            }));
          const windowEnd = (backAt ?? Number.POSITIVE_INFINITY) - killedAt + GRACE_MS;
          runs.push({
            fault,
            switched,
            repeat,
            colour: active,
            recoverySeconds: backAt === null ? null : seconds(backAt - killedAt),
            allReadySeconds: readyAt === null ? null : seconds(readyAt - killedAt),
            failedRequests: failures.length,
            failedOutsideWindow: failures.filter((f) => f.atMs > windowEnd).length,
            failures,
          });
          report.line(
            `  ${label.padEnd(22)} back in ${backAt === null ? 'never' : `${seconds(backAt - killedAt)} s`}, ${failures.length} failed requests`,
          );
          lastFaultEnd = load.now();
          cpuAtLastFault = cpuBusy();
          if (readyAt === null)
            throw new OpsError(`chaos: the stacks did not recover after ${label}`);
        }
      }
    }
  } finally {
    load.label('settle');
    await load.stop();
  }
  const loadSeconds = (lastFaultEnd - firstKillAt) / 1000;
  const sentDuring = (kind: 'read' | 'order') =>
    load.outcomes.filter((o) => o.kind === kind && o.at >= firstKillAt && o.at <= lastFaultEnd)
      .length;
  // Every accepted order must reach the database exactly once and be completed.
  const userIds = writers.map((w) => w.userId);
  const accepted = load.accepted;
  let rows: { id: string; status: string }[] = [];
  const deadline = Date.now() + (options.settleMs ?? 240_000);
  for (;;) {
    rows = await ordersOf(env, dbLogin, userIds);
    const done = rows.filter((r) => accepted.has(r.id) && r.status === 'completed').length;
    if (done === accepted.size || Date.now() > deadline) break;
    await sleep(500);
  }
  const rowById = new Map(rows.map((r) => [r.id, r.status]));
  const byLabel = (label: string) => {
    const ids = [...accepted].filter(([, l]) => l === label).map(([id]) => id);
    const inDatabase = ids.filter((id) => rowById.has(id)).length;
    return {
      accepted: ids.length,
      inDatabase,
      completed: ids.filter((id) => rowById.get(id) === 'completed').length,
      lost: ids.length - inDatabase,
    };
  };
  const lostOf = (label: string) =>
    [...accepted]
      .filter(([id, l]) => l === label && !rowById.has(id))
      .map(([orderId]) => ({ orderId, requestId: load.requestIds.get(orderId) ?? '' }));
  const full: FaultRun[] = runs.map((r, i) => ({
    ...r,
    orders: byLabel(labels[i] as string),
    lostOrders: lostOf(labels[i] as string),
  }));
  const completed = rows.filter((r) => accepted.has(r.id) && r.status === 'completed').length;
  const lost = [...accepted.keys()].filter((id) => !rowById.has(id)).length;
  // Rows no writer was given an id for: an order written twice under another id.
  const duplicated = rows.filter((r) => !accepted.has(r.id)).length;
  const recoveries = full.map((r) => r.recoverySeconds);
  const known = recoveries.filter((s): s is number => s !== null);
  const totals = {
    accepted: accepted.size,
    completed,
    lost,
    duplicated,
    failedRequests: full.reduce((n, r) => n + r.failedRequests, 0),
    failedOutsideWindow: full.reduce((n, r) => n + r.failedOutsideWindow, 0),
    worstRecoverySeconds: known.length > 0 ? Math.max(...known) : null,
    unrecovered: recoveries.length - known.length,
  };
  return {
    env,
    settings: {
      repeats,
      readers: readers.length,
      writers: writers.length,
      readsPerSecond,
      ordersPerSecond,
      withSwitch,
    },
    load: {
      seconds: Math.round(loadSeconds),
      // Requests answered or failed, retries of orders included.
      readsPerSecond: Math.round(sentDuring('read') / loadSeconds),
      ordersPerSecond: Math.round(sentDuring('order') / loadSeconds),
      cpuPercent: busyPercent(cpuAtFirstKill, cpuAtLastFault),
    },
    runs: full,
    failedBeforeFaults: load.outcomes
      .filter((o) => o.at < firstKillAt && (o.status === 0 || o.status >= 400))
      .map((o) => ({
        atMs: o.at - firstKillAt,
        kind: o.kind,
        status: o.status,
        reason: o.reason ?? '',
      })),
    totals,
    goal: {
      lost: 0,
      duplicated: 0,
      recoverySeconds: 2,
      met:
        lost === 0 &&
        duplicated === 0 &&
        totals.unrecovered === 0 &&
        (totals.worstRecoverySeconds ?? 0) <= 2 &&
        totals.failedOutsideWindow === 0,
    },
  };
}
