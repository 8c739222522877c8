import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { queueDepth } from '@echobase/infra/queue';
import type { Command } from 'commander';
import { emulatorSqs } from '../aws.js';
import { deploy, retire, rollback } from '../deploy.js';
import { composeArgs, NOT_STARTING } from '../docker/durable.js';
import { COMPOSE_SERVICE, colourComposeArgs } from '../docker/stack.js';
import { durableStatus } from '../durable.js';
import { OpsError, UsageError } from '../errors.js';
import { formatHistoryRow, historyConnection, readHistory } from '../history.js';
import { lbState } from '../lb.js';
import { copyLogLines, type LogFormat, logFormat, logLineFormatter } from '../log-format.js';
import { envPaths, repoRoot } from '../paths.js';
import { COLOURS, type Colour, type EnvName, isColour } from '../plan.js';
import { formatQueuedOrders, queuedOrders } from '../queued-orders.js';
import { createReporter, formatSeconds, formatUptime } from '../report.js';
import {
  readStackInfo,
  STACK_SERVICES,
  type StackService,
  stackPaths,
  stackRuntime,
  stackStatus,
} from '../stack.js';
import { colourArgument, envOption } from './args.js';

const mb = (bytes: number | null) => (bytes === null ? '-' : `${Math.round(bytes / 2 ** 20)} MB`);

/** Everything about an environment at once: durable layer, both colours, the switch, queues. */
async function fullStatus(env: EnvName) {
  const root = repoRoot();
  const durable = await durableStatus({ env });
  const lb = await lbState(env).catch(() => null);
  const sqs = emulatorSqs(env);
  try {
    const colours = await Promise.all(
      COLOURS.map(async (colour) => {
        const stack = await stackStatus(env, colour, root);
        const info = await readStackInfo(env, colour, root);
        const depth = async (url?: string) =>
          url ? await queueDepth(sqs, url).catch(() => null) : null;
        return {
          ...stack,
          active: lb?.active === colour,
          inFlight: lb?.colours[colour].inFlight ?? null,
          queue: await depth(info?.queueUrl),
          deadLetters: await depth(info?.deadLetterQueueUrl),
        };
      }),
    );
    const rss = [
      ...durable.services.map((s) => s.rssBytes ?? 0),
      ...colours.flatMap((c) => c.services.map((s) => s.rssBytes ?? 0)),
    ];
    return {
      env,
      active: lb?.active ?? null,
      durable,
      colours,
      orders: await queuedOrders(env, root),
      residentBytes: rss.reduce((a, b) => a + b, 0),
    };
  } finally {
    sqs.destroy();
  }
}

/** deploy, rollback, retire, status, history, logs. */
export function registerDeployCommands(
  program: Command,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): void {
  program
    .command('deploy')
    .description(
      'deploy this checkout (or --build) to the idle colour, verify it, switch, drain and retire the old one',
    )
    .addOption(envOption())
    .option('--colour <colour>', 'deploy to this colour instead of the idle one', colourArgument)
    .option('--build <id>', 'deploy an existing release instead of building the checkout')
    .option(
      '--watch <seconds>',
      'watch the error rate this long after the switch',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 3600)
          throw new UsageError(`--watch takes whole seconds from 0 to 3600, not '${v}'`);
        return n;
      },
      10,
    )
    .option('--keep-warm', 'keep the old colour running for an instant rollback', false)
    .action(
      async (opts: {
        env: EnvName;
        colour?: Colour;
        build?: string;
        watch: number;
        keepWarm: boolean;
      }) => {
        const report = createReporter(err);
        const started = performance.now();
        const result = await deploy({
          env: opts.env,
          root: repoRoot(),
          report,
          colour: opts.colour,
          buildId: opts.build,
          watchSeconds: opts.watch,
          keepWarm: opts.keepWarm,
        });
        report.line(
          `${result.buildId} serves production on ${opts.env} from ${result.colour} (${formatSeconds(performance.now() - started)}; deploy ${result.deployId})`,
        );
      },
    );

  program
    .command('rollback')
    .description('switch production back to the other colour, if it is still running (kept warm)')
    .addOption(envOption())
    .action(async (opts: { env: EnvName }) => {
      const result = await rollback(opts.env, repoRoot(), createReporter(err));
      err.write(`production on ${opts.env} rolled back from ${result.from} to ${result.to}\n`);
    });

  program
    .command('retire')
    .description('stop a colour for good; refused while it is active or holds messages')
    .argument('<colour>', 'blue or green', colourArgument)
    .addOption(envOption())
    .option('--force', 'retire even if active or holding messages', false)
    .action(async (colour: Colour, opts: { env: EnvName; force: boolean }) => {
      await retire(opts.env, colour, repoRoot(), createReporter(err), opts.force);
      err.write(`${colour} on ${opts.env} retired\n`);
    });

  program
    .command('status')
    .description(
      'the durable layer, both colours, the active colour, in-flight requests, queues, memory',
    )
    .addOption(envOption())
    .option('--json', 'machine-readable output', false)
    .action(async (opts: { env: EnvName; json: boolean }) => {
      const s = await fullStatus(opts.env);
      if (opts.json) {
        out.write(`${JSON.stringify(s, null, 2)}\n`);
        return;
      }
      out.write(
        `${opts.env}: production → ${s.active ?? 'nothing'} · ${mb(s.residentBytes)} resident in all\n`,
      );
      out.write(
        `  durable (${s.durable.runtime}): ${s.durable.services.map((d) => `${d.service} ${d.state}${d.healthy ? '' : ' (not healthy)'} ${mb(d.rssBytes)} up ${formatUptime(d.uptimeSeconds)} ${d.restarts ?? '-'} restarts`).join(' · ')}\n`,
      );
      for (const c of s.colours) {
        const q = c.queue ? `${c.queue.visible + c.queue.inFlight} queued` : 'no queue';
        const d = c.deadLetters
          ? `${c.deadLetters.visible + c.deadLetters.inFlight} dead letters`
          : '';
        out.write(
          `  ${c.colour}${c.active ? ' (active)' : ''}: ${c.buildId ?? 'no build'} · ${c.healthy ? 'ready' : 'not ready'} · in flight ${c.inFlight ?? '-'} · ${q}${d ? ` · ${d}` : ''}\n`,
        );
        for (const svc of c.services)
          out.write(
            `      ${svc.service.padEnd(10)}${svc.state.padEnd(9)}${String(svc.pid ?? '-').padEnd(9)}${String(svc.port).padEnd(7)}${mb(svc.rssBytes).padEnd(8)}${`${svc.restarts ?? '-'} restarts`.padEnd(12)}up ${formatUptime(svc.uptimeSeconds)}\n`,
          );
      }
      out.write(`  ${formatQueuedOrders(s.orders)}\n`);
    });

  program
    .command('history')
    .description(
      'deploy steps and every switch of production (switch, rollback, automatic switch-back): who, what, from → to, oldest first',
    )
    .addOption(envOption())
    .option(
      '--limit <n>',
      'the newest rows to show',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 1000)
          throw new UsageError(`--limit takes a whole number from 1 to 1000, not '${v}'`);
        return n;
      },
      30,
    )
    .option('--json', 'machine-readable output', false)
    .action(async (opts: { env: EnvName; limit: number; json: boolean }) => {
      const conn = await historyConnection(opts.env);
      try {
        const rows = await readHistory(conn, opts.env, opts.limit);
        if (opts.json) {
          out.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        if (rows.length === 0) out.write(`no deploys or switches on ${opts.env} yet\n`);
        for (const r of rows) out.write(`${formatHistoryRow(r)}\n`);
      } finally {
        await conn.end();
      }
    });

  program
    .command('logs')
    .description(
      "a colour's or the durable layer's logs: pretty on a terminal, raw JSON lines when piped or with --json",
    )
    .argument('<what>', 'blue, green or durable')
    .argument('[service]', 'api, processor, frontend (colours) or mariadb, aws, nginx (durable)')
    .addOption(envOption())
    .option('--follow', 'keep printing new lines', false)
    .option('--lines <n>', 'lines to show first', '50')
    .option('--json', "the apps' JSON lines as written, even on a terminal", false)
    .action(
      async (
        what: string,
        service: string | undefined,
        opts: { env: EnvName; follow: boolean; lines: string; json: boolean },
      ) => {
        // Also checks `what` and `service`, whatever the runtime.
        const files = logFiles(opts.env, what, service);
        const format = logFormat(opts, out);
        if ((await stackRuntime(opts.env)) === 'docker') {
          const docker = dockerLogCommand(repoRoot(), opts.env, what, service, opts);
          await follow('docker', docker.args, { out, format }, docker.env);
          return;
        }
        const missing = files.filter((f) => !existsSync(f));
        if (missing.length === files.length)
          throw new OpsError(
            `no logs yet for ${what}${service ? ` ${service}` : ''} on ${opts.env}`,
          );
        const present = files.filter((f) => existsSync(f));
        if (!opts.follow) {
          const formatted = logLineFormatter(format);
          for (const f of present) {
            const lines = (await readFile(f, 'utf8'))
              .trimEnd()
              .split('\n')
              .slice(-Number(opts.lines));
            out.write(`==> ${f} <==\n${lines.map(formatted).join('\n')}\n`);
          }
          return;
        }
        await follow('tail', ['-n', opts.lines, '-F', ...present], { out, format });
      },
    );
}

/** Runs a log command, its lines formatted onto `out`, until it ends (or Ctrl-C ends it). */
export function follow(
  command: string,
  args: string[],
  to: { out: NodeJS.WritableStream; format: LogFormat },
  env: Record<string, string> = {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    const copied = copyLogLines(child.stdout, to.out, { format: to.format });
    let interrupted = false;
    child.on('error', (error) => reject(new OpsError(`${command}: ${error.message}`)));
    // Its own stderr (inherited) has said why; a failure is never a silent success.
    child.on('close', (code, signal) =>
      copied.then(() => {
        if (code === 0 || interrupted) resolve();
        else
          reject(
            new OpsError(
              `${command} ${args.slice(0, 2).join(' ')} failed (${code === null ? signal : `exit ${code}`})`,
            ),
          );
      }, reject),
    );
    process.once('SIGINT', () => {
      interrupted = true;
      child.kill('SIGTERM');
    });
  });
}

/**
 * `docker compose logs` of a colour's project or of the durable project, and the variables
 * compose needs to read that project's file.
 */
export function dockerLogCommand(
  root: string,
  env: EnvName,
  what: string,
  service: string | undefined,
  opts: { follow: boolean; lines: string },
): { args: string[]; env: Record<string, string> } {
  const tail = ['logs', '--tail', opts.lines, ...(opts.follow ? ['--follow'] : [])];
  if (isColour(what)) {
    // logFiles() has checked the service name already.
    const name = service ? [COMPOSE_SERVICE[service as StackService]] : [];
    return { args: colourComposeArgs(root, env, what, ...tail, ...name), env: {} };
  }
  return {
    args: composeArgs({ env, paths: envPaths(env, root) }, ...tail, ...(service ? [service] : [])),
    env: NOT_STARTING,
  };
}

function logFiles(env: EnvName, what: string, service?: string): string[] {
  if (isColour(what)) {
    const services = service ? [service] : [...STACK_SERVICES];
    for (const s of services) {
      if (!(STACK_SERVICES as readonly string[]).includes(s))
        throw new UsageError(`unknown service '${s}' (expected ${STACK_SERVICES.join(', ')})`);
    }
    return services.map((s) => stackPaths(env, what).log(s as (typeof STACK_SERVICES)[number]));
  }
  if (what === 'durable') {
    const p = envPaths(env);
    const all: Record<string, string> = {
      mariadb: p.mariadb.log,
      aws: p.aws.log,
      nginx: join(p.nginx.logs, 'error.log'),
    };
    if (service && !(service in all))
      throw new UsageError(`unknown durable service '${service}' (expected mariadb, aws, nginx)`);
    return service ? [all[service] as string] : Object.values(all);
  }
  throw new UsageError(`unknown log source '${what}' (expected blue, green or durable)`);
}
