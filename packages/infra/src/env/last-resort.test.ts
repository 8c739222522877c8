import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `body` as an ES module in a child Node, from this package's folder, with TypeScript. */
function run(body: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

it('logs what no handler caught, and the process carries on', async () => {
  const { code, stdout } = await run(`
    import { EventEmitter } from 'node:events';
    import { createLogger } from './src/logger/index.ts';
    import { keepRunning } from './src/env/index.ts';
    keepRunning(createLogger({ name: 'last-resort-test' }), 'consuming');
    Promise.reject(new Error('a promise nobody awaited'));
    setTimeout(() => { throw new Error('thrown in a callback'); }, 0);
    setTimeout(() => new EventEmitter().emit('error', new Error('a stream error nobody heard')), 0);
    setTimeout(() => process.stdout.write('still running\\n'), 0);
  `);
  expect(stdout).toContain('still running');
  expect(code).toBe(0);
  const lines = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string } });
  expect(lines.map((l) => [l.level, l.msg, l.err?.message])).toEqual([
    [50, 'unhandled promise rejection; still consuming', 'a promise nobody awaited'],
    [60, 'uncaught exception; still consuming', 'thrown in a callback'],
    [60, 'uncaught exception; still consuming', 'a stream error nobody heard'],
  ]);
  // A child Node with the TypeScript loader can take several seconds on a loaded machine.
}, 30_000);
