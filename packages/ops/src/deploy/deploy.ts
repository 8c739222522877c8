import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { migrate } from '@echobase/infra/db';
import { type QueueDepth, queueDepth } from '@echobase/infra/queue';
import { readStackInfo } from '../colour-stack.js';
import { OpsError } from '../errors.js';
import { lbState, switchColour } from '../lb/lb.js';
import { envPaths } from '../paths.js';
import {
  COLOURS,
  type Colour,
  DATABASE_NAME,
  type EnvName,
  LOOPBACK,
  MIGRATOR_DB_USER,
  PORT_PLAN,
} from '../plan.js';
import { emulatorSqs } from '../provision/aws.js';
import { readCredentials } from '../provision/credentials.js';
import type { Reporter } from '../report.js';
import type { StackStatus } from '../runtime.js';
import { stackDown, stackStatus, stackUp } from '../stack.js';
import { historyConnection, recordSwitch, type StepRecorder, stepRecorder } from './history.js';
import { acquireDeployLock } from './lock.js';
import { buildRelease, type Release, readRelease } from './release.js';
import { smokeTest } from './smoke.js';
import { stepRunner } from './steps.js';

export interface DeployOptions {
  env: EnvName;
  root: string;
  report: Reporter;
  /** Deploy to this colour; the idle one when omitted. */
  colour?: Colour;
  /** Deploy this release instead of building the checkout. */
  buildId?: string;
  /** Seconds to watch the new colour's error rate after the switch. */
  watchSeconds?: number;
  /** Keep the old colour running after the switch, for an instant rollback. */
  keepWarm?: boolean;
  /** Error rate (0–1) over the watch window that switches back; 0.05 by default. */
  maxErrorRate?: number;
}

export interface DeployResult {
  deployId: string;
  colour: Colour;
  previous: Colour | null;
  buildId: string;
  outcome: 'deployed' | 'already-active' | 'rolled-back';
}

const other = (c: Colour): Colour => (c === 'blue' ? 'green' : 'blue');

/** Several consecutive healthy answers, not one lucky one. */
async function readinessGate(
  env: EnvName,
  colour: Colour,
  root: string,
  passes = 3,
): Promise<string> {
  let streak = 0;
  const deadline = Date.now() + 60_000;
  while (streak < passes) {
    streak = (await stackStatus(env, colour, root)).healthy ? streak + 1 : 0;
    if (Date.now() > deadline)
      throw new OpsError(`${colour} did not stay ready for ${passes} checks in a row within 60 s`);
    if (streak < passes) await sleep(300);
  }
  return `${passes} consecutive ready checks`;
}

/**
 * Watches the new colour through the load balancer's counters; a breach of the error rate, or
 * the colour going unhealthy, answers with the reason so the caller switches back.
 */
async function watch(
  env: EnvName,
  colour: Colour,
  root: string,
  seconds: number,
  maxErrorRate: number,
): Promise<string | null> {
  const start = (await lbState(env)).colours[colour];
  const until = Date.now() + seconds * 1000;
  let unhealthy = 0;
  while (Date.now() < until) {
    await sleep(500);
    const now = (await lbState(env)).colours[colour];
    const requests = now.requests - start.requests;
    const errors = now.errors5xx - start.errors5xx;
    if (requests >= 20 && errors / requests > maxErrorRate) {
      return `${errors} of ${requests} requests failed (${((errors / requests) * 100).toFixed(1)}% > ${maxErrorRate * 100}%)`;
    }
    unhealthy = (await stackStatus(env, colour, root)).healthy ? 0 : unhealthy + 1;
    if (unhealthy >= 3) return `${colour} stopped answering its readiness check`;
  }
  return null;
}

const EMPTY: QueueDepth = { visible: 0, inFlight: 0, delayed: 0 };
const total = (d: QueueDepth) => d.visible + d.inFlight + d.delayed;

/**
 * A colour's queue depth. A queue that no longer exists (the emulator restarted and lost it)
 * holds nothing, so there is nothing to wait for or lose.
 */
async function depthOf(sqs: SQSClient, url: string | undefined): Promise<QueueDepth> {
  if (!url) return EMPTY;
  try {
    return await queueDepth(sqs, url);
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue')
      return EMPTY;
    throw new OpsError(`cannot read the queue ${url}: ${(error as Error).message}`);
  }
}

/** In-flight requests at zero and the colour's queue empty: nothing of it is still moving. */
async function drain(env: EnvName, colour: Colour, root: string): Promise<{ deadLetters: number }> {
  const info = await readStackInfo(env, colour, root);
  const sqs = emulatorSqs(env);
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const inFlight = (await lbState(env)).colours[colour].inFlight;
      const depth = await depthOf(sqs, info?.queueUrl);
      if (inFlight === 0 && total(depth) === 0) break;
      if (Date.now() > deadline) {
        throw new OpsError(
          `${colour} did not drain in 120 s: ${inFlight} requests in flight, ${total(depth)} messages queued`,
        );
      }
      await sleep(250);
    }
    return { deadLetters: total(await depthOf(sqs, info?.deadLetterQueueUrl)) };
  } finally {
    sqs.destroy();
  }
}

async function migrateFromRelease(env: EnvName, release: Release, root: string) {
  const creds = await readCredentials(envPaths(env, root).credentials);
  if (!creds) throw new OpsError(`${env} has no credentials yet: ./durable/setup.sh ${env}`);
  return migrate(
    {
      host: LOOPBACK,
      port: PORT_PLAN[env].durable.mariadb,
      database: DATABASE_NAME,
      user: MIGRATOR_DB_USER,
      password: creds.dbMigratorPassword,
    },
    { dir: join(release.dir, 'packages', 'infra', 'migrations') },
  );
}

export interface DeployPlanInput {
  env: EnvName;
  /** The build being deployed. */
  buildId: string;
  /** The colour production routes to now. */
  active: Colour | null;
  /** What each colour runs now. */
  statuses: Record<Colour, Pick<StackStatus, 'buildId' | 'healthy' | 'services'>>;
  /** The colour asked for; otherwise the one already running this build, else the idle one. */
  colour?: Colour;
}

export interface DeployPlan {
  colour: Colour;
  /** The colour production moves away from, to drain and retire (or keep warm) afterwards. */
  previous: Colour | null;
  /**
   * Production already serves this build from `colour` (a re-run after a deploy was killed past
   * its switch): only the old colour's drain and retirement may be left.
   */
  alreadyServes: boolean;
  /** `colour` runs another build that must stop before this one starts. */
  stopStale: boolean;
}

const runs = (s: Pick<StackStatus, 'services'>) => s.services.some((x) => x.state === 'running');

/**
 * Where a deploy goes and what it moves away from, from what runs now. Pure: `deploy` runs the
 * steps it implies. A deploy killed anywhere and run again converges: a colour already running
 * this build is the target. Refuses to deploy over the colour serving production.
 */
export function planDeploy(input: DeployPlanInput): DeployPlan {
  const { env, buildId, active, statuses } = input;
  const running = COLOURS.find((c) => statuses[c].buildId === buildId && runs(statuses[c]));
  const colour = input.colour ?? running ?? (active ? other(active) : 'blue');
  const target = statuses[colour];
  const alreadyServes = colour === active && target.buildId === buildId && target.healthy;
  if (colour === active && runs(target) && target.buildId !== buildId) {
    throw new OpsError(
      `${colour} serves production on ${env} with build ${target.buildId}; deploy ${buildId} to ${other(colour)} instead`,
    );
  }
  const previous = alreadyServes
    ? runs(statuses[other(colour)])
      ? other(colour)
      : null
    : colour === active
      ? null
      : active;
  return {
    colour,
    previous,
    alreadyServes,
    stopStale: !alreadyServes && runs(target) && target.buildId !== buildId,
  };
}

/**
 * lock → release → migrate → start the idle colour → readiness gate → smoke tests on its direct
 * port → switch → watch (switch back on a breach) → drain the old colour → retire it (or keep it
 * warm). Every step is recorded in the deployments table. Each step is idempotent, so a deploy
 * killed anywhere converges when run again.
 */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const { env, root, report } = options;
  const lock = await acquireDeployLock(root, env, 'deploy');
  const conn = await historyConnection(env, root);
  try {
    const release = options.buildId
      ? await readRelease(root, options.buildId)
      : await buildRelease(root, report);
    if (!release)
      throw new OpsError(`no release ${options.buildId}: build one with echobase release build`);
    const active = (await lbState(env)).active;
    const statuses = {
      blue: await stackStatus(env, 'blue', root),
      green: await stackStatus(env, 'green', root),
    };
    const { colour, previous, alreadyServes, stopStale } = planDeploy({
      env,
      buildId: release.buildId,
      active,
      statuses,
      ...(options.colour ? { colour: options.colour } : {}),
    });
    const target = statuses[colour];
    const record = stepRecorder(conn, {
      deployId: lock.holder.deployId,
      env,
      colour,
      buildId: release.buildId,
    });
    report.line(
      `deploying ${release.buildId} to ${colour} on ${env} (production now: ${active ?? 'nothing'})`,
    );

    const step = stepRunner(record, report);

    await step(
      'migrate',
      () => migrateFromRelease(env, release, root),
      (r) =>
        r.applied.length ? `applied ${r.applied.join(', ')}` : `schema up to date (${r.version})`,
    );
    if (!alreadyServes) {
      if (stopStale) {
        await step(
          'stop-stale',
          () => stackDown(env, colour, report, root),
          () => `stopped ${colour}'s old build ${target.buildId}`,
        );
      }
      await step(
        'start',
        () => stackUp(env, colour, release, report, root),
        () => `${colour} started`,
      );
      await step(
        'readiness',
        () => readinessGate(env, colour, root),
        (r) => r,
      );
      const direct = `http://${LOOPBACK}:${colour === 'blue' ? PORT_PLAN[env].durable.lbBlue : PORT_PLAN[env].durable.lbGreen}`;
      await step(
        'smoke',
        () => smokeTest(direct, colour, release.buildId),
        (r) => `${r.map((c) => c.check).join(', ')} passed`,
      );
      await step(
        'switch',
        () => switchColour(env, colour),
        (r) => `production now ${r.active} (was ${r.previous ?? 'nothing'})`,
        { colour, from: active },
      );
      const breach = await step(
        'watch',
        () => watch(env, colour, root, options.watchSeconds ?? 10, options.maxErrorRate ?? 0.05),
        (r) => r ?? 'no breach',
      );
      if (breach) {
        if (previous && (await stackStatus(env, previous, root)).healthy) {
          await step(
            'switch-back',
            () => switchColour(env, previous),
            () => `production back on ${previous}`,
            { colour: previous, from: colour },
          );
        }
        throw new OpsError(
          `deploy of ${release.buildId} to ${colour} switched back to ${previous ?? 'nothing'}: ${breach}`,
        );
      }
    } else {
      report.line(`  ${colour.padEnd(10)} already serves production with ${release.buildId}`);
    }

    if (previous && previous !== colour) {
      const drained = await step(
        'drain',
        () => drain(env, previous, root),
        (r) => `${previous} drained${r.deadLetters ? `; its DLQ holds ${r.deadLetters}` : ''}`,
      );
      if (options.keepWarm) {
        await step(
          'keep-warm',
          async () => previous,
          () => `${previous} kept running for an instant rollback`,
        );
      } else if (drained.deadLetters > 0) {
        await step(
          'keep-warm',
          async () => previous,
          () =>
            `${previous} kept: its DLQ holds ${drained.deadLetters} messages (echobase dlq list ${previous} --env ${env})`,
        );
      } else {
        await step(
          'retire',
          () => stackDown(env, previous, report, root),
          () => `${previous} retired`,
        );
      }
    }
    return {
      deployId: lock.holder.deployId,
      colour,
      previous,
      buildId: release.buildId,
      outcome: alreadyServes ? 'already-active' : 'deployed',
    };
  } finally {
    await conn.end().catch(() => undefined);
    await lock.release();
  }
}

/** Production back to the other colour, which must still be running and ready (kept warm). */
export async function rollback(
  env: EnvName,
  root: string,
  report: Reporter,
): Promise<{ from: Colour; to: Colour }> {
  const lock = await acquireDeployLock(root, env, 'rollback');
  try {
    const active = (await lbState(env)).active;
    if (!active) throw new OpsError(`nothing serves production on ${env}: nothing to roll back`);
    const to = other(active);
    const status = await stackStatus(env, to, root);
    if (!status.healthy) {
      throw new OpsError(
        `${to} is not running and ready on ${env}, so there is nothing warm to roll back to; deploy the previous build with echobase deploy --build <id>`,
      );
    }
    const message = `production back on ${to} (build ${status.buildId})`;
    await report.step(
      'switch',
      () => switchColour(env, to),
      () => message,
    );
    // Production has moved: a history that cannot be written does not undo that.
    await recordSwitch(
      env,
      {
        step: 'rollback',
        from: active,
        to,
        buildId: status.buildId,
        message,
        deployId: lock.holder.deployId,
      },
      root,
    ).catch((error: Error) =>
      report.line(`  rolled back, but not recorded in history: ${error.message}`),
    );
    return { from: active, to };
  } finally {
    await lock.release();
  }
}

/** Stops a colour for good: refused while it serves production or still holds messages. */
export async function retire(
  env: EnvName,
  colour: Colour,
  root: string,
  report: Reporter,
  force = false,
): Promise<void> {
  const lock = await acquireDeployLock(root, env, 'retire');
  try {
    if (!force) {
      const state = await lbState(env);
      if (state.active === colour)
        throw new OpsError(`${colour} serves production on ${env}: switch away first (or --force)`);
      const info = await readStackInfo(env, colour, root);
      if (info) {
        const sqs = emulatorSqs(env);
        try {
          const [queue, dlq] = await Promise.all([
            depthOf(sqs, info.queueUrl),
            depthOf(sqs, info.deadLetterQueueUrl),
          ]);
          const queued = total(queue);
          const dead = total(dlq);
          if (queued > 0 || dead > 0) {
            throw new OpsError(
              `${colour} on ${env} still holds ${queued} queued and ${dead} dead-letter messages; drain or export them first (or --force)`,
            );
          }
        } finally {
          sqs.destroy();
        }
      }
    }
    await stackDown(env, colour, report, root);
  } finally {
    await lock.release();
  }
}

export type { StepRecorder };
