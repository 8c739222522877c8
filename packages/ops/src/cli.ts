#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerDeployCommands } from './cli/deploy.js';
import { registerDlqCommands } from './cli/dlq.js';
import { registerDurableCommands } from './cli/durable.js';
import { registerLbCommands } from './cli/lb.js';
import { registerStackCommands } from './cli/stack.js';
import { registerTraceCommands } from './cli/trace.js';
import { messageOf, OpsError } from './errors.js';
import { versionText } from './version.js';

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

  registerDurableCommands(program, out, err);
  registerDlqCommands(program, out, err);

  registerStackCommands(program, out, err);
  registerLbCommands(program, out, err);
  registerDeployCommands(program, out, err);
  registerTraceCommands(program, out, err);

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
