import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../env/index.js';

/** The built CLI; the ops workspace builds it (`npx turbo run build`). */
export const CLI = join(ROOT, 'packages/ops/dist/cli.js');

export interface Run {
  /** The exit code; 1 when a signal (or the timeout) ended the command. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to this process's environment, or the whole environment with `inheritEnv: false`. */
  env?: NodeJS.ProcessEnv;
  inheritEnv?: boolean;
  /** The checkout's root unless given. */
  cwd?: string;
  /** Killed (SIGTERM) after this long. */
  timeoutMs?: number;
  /** Also copy the command's stderr to this process's as it comes (progress of a long step). */
  teeStderr?: boolean;
}

/** Runs a command to completion and returns its exit code and output; never throws. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<Run> {
  const {
    env = {},
    inheritEnv = true,
    cwd = ROOT,
    timeoutMs = 120_000,
    teeStderr = false,
  } = options;
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: inheritEnv ? { ...process.env, ...env } : env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (teeStderr) process.stderr.write(chunk);
    });
    child.once('error', (error) =>
      resolve({ code: 1, stdout, stderr: `${stderr}${error.message}` }),
    );
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * The built `echobase` CLI, as an operator runs it: stdin is not a terminal, and the runtime
 * is the one the test run is for (ECHOBASE_RUNTIME, which ./scripts/test.sh sets per half),
 * native when none is named.
 */
export function echobase(args: string[], options: RunOptions = {}): Promise<Run> {
  return run(process.execPath, [CLI, ...args], {
    ...options,
    env: { ECHOBASE_RUNTIME: process.env.ECHOBASE_RUNTIME || 'native', ...options.env },
  });
}

/** `echobase` for a step that must succeed: its stdout, or an error with its exit code and stderr. */
export async function echobaseOk(args: string[], options: RunOptions = {}): Promise<string> {
  const result = await echobase(args, options);
  if (result.code !== 0) {
    throw new Error(`echobase ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** The command's error output, checked to hold no stack trace: what every error path must look like. */
export function expectCleanError(result: Run): string {
  const text = `${result.stdout}${result.stderr}`;
  if (/\n\s+at /.test(text)) throw new Error(`output holds a stack trace:\n${text}`);
  return result.stderr.trim();
}
