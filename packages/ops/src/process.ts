import { readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { OpsError } from './errors.js';

/**
 * Processes of the native runtime, seen from outside: the environment's supervisor starts and
 * restarts them (native/supervisor.ts); pid files written before it existed still find the
 * processes it did not start. A pid alone is not trusted: pids get reused, and a stopped child
 * stays a zombie until reaped, so "alive" means the process exists, is not a zombie, and its
 * command line names what we expect.
 */

export async function readPid(file: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export async function isAlive(pid: number, commandIncludes?: string): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The state is the field after the parenthesised command name, which may itself hold spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    if (!commandIncludes) return true;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
    return cmdline.includes(commandIncludes);
  } catch {
    return false;
  }
}

/** The pid from `file` if that process is alive and is what we expect, else null. */
export async function livePid(file: string, commandIncludes: string): Promise<number | null> {
  const pid = await readPid(file);
  return pid !== null && (await isAlive(pid, commandIncludes)) ? pid : null;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  { timeoutMs = 30_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new OpsError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Sends `signal` and waits until the process is gone; SIGKILL after `timeoutMs`. */
export async function stopPid(pid: number, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000) {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  try {
    await waitFor(`pid ${pid} to exit`, async () => !(await isAlive(pid)), { timeoutMs });
  } catch {
    process.kill(pid, 'SIGKILL');
    await waitFor(`pid ${pid} to exit after SIGKILL`, async () => !(await isAlive(pid)), {
      timeoutMs: 5_000,
    });
  }
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** True if something accepts TCP connections on host:port. */
export function portInUse(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolveUse) => {
    const socket = connect({ port, host });
    const done = (inUse: boolean) => {
      socket.destroy();
      resolveUse(inUse);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The last lines of a log file, for error messages that point at a failed start. */
export async function tail(file: string, lines = 5): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function rssKb(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Resident memory of a process plus its direct children (nginx workers), in bytes. */
export async function residentBytes(pid: number): Promise<number> {
  let kb = await rssKb(pid);
  try {
    const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    for (const child of children.trim().split(/\s+/).filter(Boolean))
      kb += await rssKb(Number(child));
  } catch {
    // no children file: count the process alone
  }
  return kb * 1024;
}
