import { spawn } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import type { RestartRecord } from './supervisor.js';
import { EventReader, RestartBook } from './supervisor-events.js';
import { callUnix, RpcFault } from './xmlrpc.js';

/**
 * The supervisord event listener of an environment (`[eventlistener:echobase-events]`), run by
 * supervisord as `node supervisor-listener.js <restarts.json> <events.log> [<program> <command…>]`.
 * It speaks the
 * listener protocol on stdin/stdout (READY, a header line, a payload, RESULT) and:
 *
 * - counts automatic restarts per program (a start that follows an exit, a failed start or a
 *   give-up), resetting the count when a command starts the program, into restarts.json;
 * - starts a program again after supervisord gave up on it (FATAL), after a cool-down that
 *   doubles from 10 s to 5 min, so that a crash loop is slowed but never left dead;
 * - when <program> runs again after an automatic restart, runs <command> (moto comes back
 *   empty: `echobase durable setup <env>` re-seeds its secrets);
 * - writes one byte to stderr every 100 ms, which wakes supervisord's poll() so a respawn
 *   happens within about 0.1 s of the exit instead of up to 1 s later.
 */

function main(argv: string[]): void {
  const [restartsFile, eventsFile, afterRestartOf, ...afterRestart] = argv;
  if (!restartsFile || !eventsFile) {
    process.stderr.write(
      'usage: supervisor-listener.js <restarts.json> <events.log> [<program> <command…>]\n',
    );
    process.exit(2);
  }
  const socket = (process.env.SUPERVISOR_SERVER_URL ?? '').replace(/^unix:\/\//, '');
  const note = (line: string) =>
    appendFileSync(eventsFile, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });

  let records: Record<string, RestartRecord> = {};
  try {
    records = JSON.parse(readFileSync(restartsFile, 'utf8')) as Record<string, RestartRecord>;
  } catch {
    // first run, or an unreadable file: start counting from nothing
  }
  const book = new RestartBook(records);
  const save = () => {
    writeFileSync(`${restartsFile}.tmp`, `${JSON.stringify(book.records, null, 2)}\n`);
    renameSync(`${restartsFile}.tmp`, restartsFile);
  };

  const retry = async (name: string) => {
    try {
      const info = (await callUnix(socket, 'supervisor.getProcessInfo', [name])) as {
        statename?: string;
      };
      // Stopped or redefined by a command in the meantime: not ours to start.
      if (info.statename !== 'FATAL') return;
      note(`${name}: starting again after the cool-down`);
      await callUnix(socket, 'supervisor.startProcess', [name, false]);
    } catch (error) {
      if (error instanceof RpcFault && error.is('BAD_NAME')) return;
      note(`${name}: could not start again: ${(error as Error).message}`);
    }
  };

  const converge = (name: string) => {
    const [command, ...args] = afterRestart;
    if (!command) return;
    note(`${name}: back after a restart; running ${afterRestart.join(' ')}`);
    const log = openSync(eventsFile, 'a');
    try {
      spawn(command, args, {
        detached: true,
        stdio: ['ignore', log, log],
        // The durable layer this listener belongs to is native, whatever else the machine runs.
        env: { ...process.env, ECHOBASE_RUNTIME: 'native' },
      })
        .on('error', (error) => note(`${name}: could not run ${command}: ${error.message}`))
        .unref();
    } finally {
      closeSync(log);
    }
  };

  const reader = new EventReader();
  process.stdin.on('data', (chunk: Buffer) => {
    for (const event of reader.push(chunk)) {
      try {
        const { changed, retryAfterMs, backAfterRestart } = book.apply(event, new Date());
        if (changed) save();
        if (backAfterRestart && event.name === afterRestartOf) converge(event.name);
        if (event.state === 'EXITED' && event.fields.expected === '0')
          note(`${event.name}: exited unexpectedly (pid ${event.fields.pid}); restarting`);
        if (retryAfterMs !== undefined) {
          note(`${event.name}: supervisord gave up; trying again in ${retryAfterMs / 1000} s`);
          setTimeout(() => void retry(event.name), retryAfterMs).unref();
        }
      } catch (error) {
        note(`listener: ${(error as Error).message}`);
      }
      process.stdout.write('RESULT 2\nOKREADY\n');
    }
  });
  process.stdin.on('end', () => process.exit(0));
  setInterval(() => process.stderr.write('.'), 100);
  process.stdout.write('READY\n');
}

main(process.argv.slice(2));
