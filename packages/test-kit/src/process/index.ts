import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { TRACING_HOOK } from '@echobase/infra/tracing';
import { durableEnv, ROOT } from '../env/index.js';
import type { LogLine } from '../logs/index.js';
import { waitFor } from '../poll/index.js';

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Started {
  child: ChildProcess;
  /** Its stdout, one parsed JSON line each (pino); a line that is not JSON is kept as `msg`. */
  lines: LogLine[];
  stderr(): string;
  /** Resolves with the exit code, or the signal that ended the process. */
  exited: Promise<number | NodeJS.Signals>;
  waitForLog(msg: string, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM (unless it has ended), then its exit code or signal. */
  stop(): Promise<number | NodeJS.Signals>;
}

export interface StartOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Started once this URL answers 2xx (fails at once if the process exits first); else at once. */
  readyUrl?: string;
  timeoutMs?: number;
}

/** A long-running process, its output collected, started once it answers `readyUrl`. */
export async function startProcess(
  name: string,
  command: string,
  args: string[],
  options: StartOptions,
): Promise<Started> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stderr = '';
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.trim()) continue;
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        lines.push({ msg: part, level: 0 });
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // 'close', not 'exit': by then every line the process wrote has been read.
  let ended: number | NodeJS.Signals | undefined;
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('close', (code, signal) => {
      ended = code ?? (signal as NodeJS.Signals);
      resolve(ended);
    }),
  );
  const started: Started = {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitForLog: (msg, timeoutMs = 20_000) =>
      waitFor(`${name} to log "${msg}"`, () => lines.find((l) => l.msg === msg) ?? false, {
        timeoutMs,
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  const { readyUrl } = options;
  if (readyUrl === undefined) return started;
  try {
    await waitFor(
      `${name} to answer ${readyUrl}`,
      async () => {
        if (ended !== undefined) throw new Error(`${name} exited with ${ended}: ${stderr}`);
        return fetch(readyUrl).then(
          (r) => r.ok,
          () => false,
        );
      },
      { timeoutMs: options.timeoutMs ?? 30_000 },
    );
  } catch (error) {
    await started.stop();
    throw error;
  }
  return started;
}

export type App = 'api-gateway' | 'order-processor';

/**
 * A built app (`node apps/<app>/dist/main.js`) as its own process, as a colour stack runs it,
 * on the ci durable layer; `env` sets its port (PORT or HEALTH_PORT), queue and the rest.
 */
export async function startApp(
  app: App,
  options: Omit<StartOptions, 'env'> & { env: Record<string, string> },
): Promise<Started> {
  const main = join(ROOT, 'apps', app, 'dist/main.js');
  if (!existsSync(main)) throw new Error(`build ${app} first: npx turbo run build`);
  return startProcess(app, process.execPath, [...TRACING_HOOK, main], {
    ...options,
    env: { ...durableEnv(), LOG_LEVEL: 'info', ...options.env },
  });
}

/** A re-publish threshold no test reaches: other tests' queued orders are not a test's business. */
export const NEVER_REPUBLISH_MS = 86_400_000;

/** The built order processor reading `queueUrl`, served health on a free port, as a stack runs it. */
export async function spawnProcessor(
  queueUrl: string,
  env: Record<string, string> = {},
): Promise<Started & { healthPort: number }> {
  const healthPort = await freePort();
  const started = await startApp('order-processor', {
    env: {
      ORDERS_QUEUE_URL: queueUrl,
      HEALTH_PORT: String(healthPort),
      PAUSE_MAX_BACKOFF_MS: '500',
      ORDER_REPUBLISH_AFTER_MS: String(NEVER_REPUBLISH_MS),
      // `durable env` turns it on for stacks on the emulator; a test's queue has the test's own
      // settings, which a re-creation with the stack's would refuse (QueueAlreadyExists).
      ORDERS_QUEUE_RECREATE: 'false',
      ...env,
    },
    readyUrl: `http://127.0.0.1:${healthPort}/health/live`,
  });
  return { ...started, healthPort };
}

/** The built API gateway sending orders to `queueUrl`, on a free port, as a stack runs it. */
export async function spawnApi(
  queueUrl: string,
  env: Record<string, string> = {},
): Promise<Started & { url: string }> {
  const url = `http://127.0.0.1:${await freePort()}`;
  const started = await startApp('api-gateway', {
    env: { ORDERS_QUEUE_URL: queueUrl, PORT: new URL(url).port, ...env },
    readyUrl: `${url}/health/live`,
  });
  return { ...started, url };
}
