import type { Command } from 'commander';
import { buildRelease, readRelease } from '../deploy/release.js';
import { UsageError } from '../errors.js';
import { repoRoot } from '../paths.js';
import { COLOURS, type Colour, type EnvName } from '../plan.js';
import { createReporter, formatMegabytes, formatUptime } from '../report.js';
import type { StackStatus } from '../runtime.js';
import { ownRelease, stackDown, stackStatus, stackUp } from '../stack.js';
import { colourArgument, envOption } from './args.js';

function printStack(out: NodeJS.WritableStream, s: StackStatus): void {
  out.write(
    `${s.colour} on ${s.env}: ${s.buildId ? `build ${s.buildId}` : 'no build'} · ${s.healthy ? 'healthy' : 'not healthy'}\n`,
  );
  for (const svc of s.services) {
    const mem = formatMegabytes(svc.rssBytes);
    out.write(
      `  ${svc.service.padEnd(10)}${svc.state.padEnd(9)}${String(svc.pid ?? '-').padEnd(9)}${String(svc.port).padEnd(7)}${mem.padEnd(8)}${(svc.healthy ? 'ready' : '-').padEnd(7)}${`${svc.restarts ?? '-'} restarts`.padEnd(12)}up ${formatUptime(svc.uptimeSeconds)}\n`,
    );
  }
}

/** `echobase release build` and `echobase stack up|down|status`. */
export function registerStackCommands(
  program: Command,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): void {
  program
    .command('release')
    .description('releases: the built apps frozen under .echobase/releases/<build id>')
    .exitOverride()
    .command('build')
    .description(
      'build the apps from this checkout and freeze them as a release (reused if unchanged)',
    )
    .action(async () => {
      const release = await buildRelease(repoRoot(), createReporter(err));
      out.write(`${release.buildId}\n`);
    });

  const stack = program
    .command('stack')
    .description("a colour's app stack: API, processor, frontend")
    .exitOverride();

  stack
    .command('up')
    .description(
      'start the colour: if it is up, its own release (restarting any service that is down); else a release of this checkout',
    )
    .argument('<colour>', 'blue or green', colourArgument)
    .addOption(envOption())
    .option('--build <id>', 'run this release instead of building the checkout')
    .action(async (colour: Colour, opts: { env: EnvName; build?: string }) => {
      const report = createReporter(err);
      const root = repoRoot();
      // A colour that is up restarts as the build it runs: never freeze the checkout over it.
      const own = opts.build ? null : await ownRelease(opts.env, colour, root);
      if (own) report.line(`  ${colour.padEnd(10)} is up with build ${own.buildId}: starting that`);
      const release = opts.build
        ? await readRelease(root, opts.build)
        : (own ?? (await buildRelease(root, report)));
      if (!release) throw new UsageError(`no release ${opts.build}: see .echobase/releases/`);
      await stackUp(opts.env, colour, release, report);
      report.line(`${colour} on ${opts.env} runs build ${release.buildId}`);
    });

  stack
    .command('down')
    .description('stop the colour (its queue and data stay)')
    .argument('<colour>', 'blue or green', colourArgument)
    .addOption(envOption())
    .action(async (colour: Colour, opts: { env: EnvName }) => {
      const stopped = await stackDown(opts.env, colour, createReporter(err));
      err.write(
        stopped.length > 0
          ? `${colour} on ${opts.env} stopped\n`
          : `${colour} on ${opts.env} was not running\n`,
      );
    });

  stack
    .command('status')
    .description(
      'each service of one or both colours: pid, port, memory, readiness, restarts, uptime',
    )
    .argument('[colour]', 'blue or green (both when omitted)', colourArgument)
    .addOption(envOption())
    .option('--json', 'machine-readable output', false)
    .action(async (colour: Colour | undefined, opts: { env: EnvName; json: boolean }) => {
      const statuses = await Promise.all(
        (colour ? [colour] : [...COLOURS]).map((c) => stackStatus(opts.env, c)),
      );
      if (opts.json) {
        out.write(`${JSON.stringify(colour ? statuses[0] : statuses, null, 2)}\n`);
        return;
      }
      for (const s of statuses) printStack(out, s);
    });
}
