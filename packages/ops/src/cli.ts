#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { appEnvironment } from './app-env.js';
import { envArgument } from './cli/args.js';
import { registerDeployCommands } from './cli/deploy.js';
import { registerDlqCommands } from './cli/dlq.js';
import { registerLbCommands } from './cli/lb.js';
import { registerStackCommands } from './cli/stack.js';
import { prepareDev } from './dev.js';
import { durableStatus, setupDurable, teardownDurable } from './durable.js';
import { messageOf, OpsError } from './errors.js';
import { ENVIRONMENTS, type EnvName } from './plan.js';
import { createReporter, formatSeconds, formatUptime } from './report.js';
import { versionText } from './version.js';

function megabytes(bytes: number | null): string {
  return bytes === null ? '-' : `${Math.round(bytes / (1024 * 1024))} MB`;
}

export function buildProgram(out = process.stdout, err = process.stderr): Command {
  const program = new Command('echobase')
    .description('Manage the Echobase durable layer and its blue/green stacks')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out.write(s),
      writeErr: (s) => err.write(s),
      outputError: (s, write) => write(`echobase: ${s.replace(/^error: /, '')}`),
    })
    // Not commander's .version(string): the build id takes a git call, made only when asked.
    .option('-V, --version', 'print the version of echobase and the build id of this checkout')
    .on('option:version', () => {
      out.write(versionText());
      throw new CommanderError(0, 'commander.version', 'version printed');
    });

  const durable = program
    .command('durable')
    .description('the durable layer: MariaDB, the AWS secrets services, the load balancer')
    .exitOverride();

  durable
    .command('setup')
    .description('create what is missing, start what is stopped, verify what runs')
    .argument('<env>', `environment (${ENVIRONMENTS.join(', ')})`, envArgument)
    .action(async (env: EnvName) => {
      const report = createReporter(err);
      const started = performance.now();
      const result = await setupDurable({ env, report });
      report.line(
        result.changed
          ? `durable layer ${env} is up (${result.runtime}, ${formatSeconds(performance.now() - started)})`
          : `durable layer ${env} was already running; nothing changed (${formatSeconds(performance.now() - started)})`,
      );
    });

  durable
    .command('teardown')
    .description('stop the durable layer, keeping its data unless --volumes')
    .argument('<env>', `environment (${ENVIRONMENTS.join(', ')})`, envArgument)
    .option('--volumes', 'also delete the data (database, credentials): cannot be undone', false)
    .action(async (env: EnvName, opts: { volumes: boolean }) => {
      const report = createReporter(err);
      const result = await teardownDurable({ env, volumes: opts.volumes, report });
      report.line(
        `durable layer ${env} stopped; data ${result.deleted ? 'deleted' : opts.volumes ? 'was already gone' : 'kept'}`,
      );
    });

  durable
    .command('status')
    .description('each service with its pid, port, memory, restarts, uptime and health')
    .argument('<env>', `environment (${ENVIRONMENTS.join(', ')})`, envArgument)
    .option('--json', 'machine-readable output', false)
    .action(async (env: EnvName, opts: { json: boolean }) => {
      const status = await durableStatus({ env });
      if (opts.json) {
        out.write(`${JSON.stringify(status, null, 2)}\n`);
        return;
      }
      out.write(
        `durable layer ${env} (${status.runtime}): ${status.healthy ? 'healthy' : 'not healthy'}\n`,
      );
      out.write(
        `  ${'service'.padEnd(9)}${'state'.padEnd(9)}${'pid'.padEnd(9)}${'port'.padEnd(7)}${'memory'.padEnd(9)}${'restarts'.padEnd(10)}${'uptime'.padEnd(8)}health\n`,
      );
      for (const s of status.services) {
        out.write(
          `  ${s.service.padEnd(9)}${s.state.padEnd(9)}${String(s.pid ?? '-').padEnd(9)}${String(s.port).padEnd(7)}${megabytes(s.rssBytes).padEnd(9)}${String(s.restarts ?? '-').padEnd(10)}${formatUptime(s.uptimeSeconds).padEnd(8)}${s.detail}\n`,
        );
      }
    });

  durable
    .command('env')
    .description('print the settings apps use to reach the environment (no passwords)')
    .argument('<env>', `environment (${ENVIRONMENTS.join(', ')})`, envArgument)
    .addOption(new Option('--export', 'prefix each line with export, for eval in a shell'))
    .option(
      '--operator',
      'add the migrator secret and the credentials file that holds the root login (for tests)',
      false,
    )
    .action((env: EnvName, opts: { export?: boolean; operator: boolean }) => {
      for (const [key, value] of Object.entries(appEnvironment(env, { operator: opts.operator }))) {
        out.write(`${opts.export ? 'export ' : ''}${key}=${value}\n`);
      }
    });

  program
    .command('dev')
    .description('npm run dev support')
    .exitOverride()
    .command('prepare')
    .description(
      "set up the devlocal durable layer and a dev queue, and write the apps' dev settings",
    )
    .action(async () => {
      await prepareDev(createReporter(err));
    });

  registerDlqCommands(program, out, err);

  registerStackCommands(program, out, err);
  registerLbCommands(program, out, err);
  registerDeployCommands(program, out, err);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; they already printed what they had to.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    process.stderr.write(`echobase: ${messageOf(error)}\n`);
    if (!(error instanceof OpsError) && process.env.ECHOBASE_DEBUG) {
      process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    }
    return error instanceof OpsError ? error.exitCode : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
