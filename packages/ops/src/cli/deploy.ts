import { queueDepth } from '@echobase/infra/queue';
import type { Command } from 'commander';
import { readStackInfo } from '../colour-stack.js';
import { deploy, retire, rollback } from '../deploy/deploy.js';
import { formatHistoryRow, historyConnection, readHistory } from '../deploy/history.js';
import { durableStatus } from '../durable.js';
import { UsageError } from '../errors.js';
import { lbState } from '../lb/lb.js';
import { isTraceId, logFormat } from '../log-format.js';
import { logSource } from '../logs.js';
import { repoRoot } from '../paths.js';
import { COLOURS, type Colour, type EnvName } from '../plan.js';
import { emulatorSqs } from '../provision/aws.js';
import { formatQueuedOrders, queuedOrders } from '../queues/queued-orders.js';
import { createReporter, formatMegabytes, formatSeconds, formatUptime } from '../report.js';
import { stackRuntimeOf, stackStatus } from '../stack.js';
import { colourArgument, envOption } from './args.js';

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
        `${opts.env}: production → ${s.active ?? 'nothing'} · ${formatMegabytes(s.residentBytes)} resident in all\n`,
      );
      out.write(
        `  durable (${s.durable.runtime}): ${s.durable.services.map((d) => `${d.service} ${d.state}${d.healthy ? '' : ' (not healthy)'} ${formatMegabytes(d.rssBytes)} up ${formatUptime(d.uptimeSeconds)} ${d.restarts ?? '-'} restarts`).join(' · ')}\n`,
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
            `      ${svc.service.padEnd(10)}${svc.state.padEnd(9)}${String(svc.pid ?? '-').padEnd(9)}${String(svc.port).padEnd(7)}${formatMegabytes(svc.rssBytes).padEnd(8)}${`${svc.restarts ?? '-'} restarts`.padEnd(12)}up ${formatUptime(svc.uptimeSeconds)}\n`,
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
    .argument(
      '[service]',
      'api, processor, frontend (colours) or mariadb, aws, sqs, nginx, prometheus, jaeger (durable)',
    )
    .addOption(envOption())
    .option('--follow', 'keep printing new lines', false)
    .option('--lines <n>', 'lines to show first', '50')
    .option('--trace <id>', 'only the lines of this trace (a 32-hex trace id), from the whole log')
    .option('--json', "the apps' JSON lines as written, even on a terminal", false)
    .action(
      async (
        what: string,
        service: string | undefined,
        opts: { env: EnvName; follow: boolean; lines: string; json: boolean; trace?: string },
      ) => {
        // Checks `what`, `service` and `--lines` first, whatever the runtime.
        const source = logSource(what, service);
        const lines = Number(opts.lines);
        if (!Number.isInteger(lines) || lines < 1)
          throw new UsageError(`--lines must be a whole number of at least 1, not '${opts.lines}'`);
        if (opts.trace !== undefined && !isTraceId(opts.trace))
          throw new UsageError(
            `--trace takes a trace id of 32 hex digits (as 'echobase trace' prints it), not '${opts.trace}'`,
          );
        const runtime = await stackRuntimeOf(opts.env);
        await runtime.logs({
          env: opts.env,
          root: repoRoot(),
          source,
          follow: opts.follow,
          lines,
          out,
          format: logFormat(opts, out),
          traceId: opts.trace,
        });
      },
    );
}
