import { type Command, Option } from 'commander';
import { appEnvironment } from '../app-env.js';
import { prepareDev } from '../dev.js';
import { durableStatus, setupDurable, teardownDurable } from '../durable.js';
import { ENVIRONMENTS, type EnvName } from '../plan.js';
import { createReporter, formatMegabytes, formatSeconds, formatUptime } from '../report.js';
import { envArgument } from './args.js';

/** `echobase durable setup|teardown|status|env <env>` and `echobase dev prepare`. */
export function registerDurableCommands(
  program: Command,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): void {
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
          `  ${s.service.padEnd(9)}${s.state.padEnd(9)}${String(s.pid ?? '-').padEnd(9)}${String(s.port).padEnd(7)}${formatMegabytes(s.rssBytes).padEnd(9)}${String(s.restarts ?? '-').padEnd(10)}${formatUptime(s.uptimeSeconds).padEnd(8)}${s.detail}\n`,
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
}
