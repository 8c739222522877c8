import { spawn } from 'node:child_process';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackPaths } from '../src/colour-stack.js';
import { releasesDir } from '../src/deploy/release.js';
import {
  cli,
  expectCleanError,
  history,
  lb,
  nativeOnly,
  PRODUCTION,
  ROOT,
  servedBy,
} from './support.js';

/**
 * The blue/green flow's native scenarios on the ci environment, with real stacks behind the
 * real load balancer: releases broken on purpose, a killed API, deploys killed mid-step. The
 * runtime-neutral ones (deploy, keep warm, rollback, history, retire) are deploy-flow.test.ts.
 * Slow by nature (each deploy starts a colour and smoke-tests it), so the scenarios build on
 * each other in order.
 */
nativeOnly('deploy.test.ts');

/** `echobase deploy …` in the background, as a user starts it, with its progress collected. */
function startDeploy(args: string[]) {
  const child = spawn('node', [join(ROOT, 'packages/ops/dist/cli.js'), 'deploy', ...args], {
    env: { ...process.env, ECHOBASE_RUNTIME: process.env.ECHOBASE_RUNTIME || 'native' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, exited, stderr: () => stderr };
}

let buildId = '';

beforeAll(async () => {
  await cli(['stack', 'down', 'blue', '--env', 'ci']);
  await cli(['stack', 'down', 'green', '--env', 'ci']);
  expect((await cli(['durable', 'setup', 'ci'])).code).toBe(0);
  buildId = (await cli(['release', 'build'])).stdout.trim();
  // Where the runtime-neutral scenarios (deploy-flow.test.ts) leave ci: green serves, blue down.
  const green = await cli(['deploy', '--env', 'ci', '--colour', 'green', '--watch', '1']);
  expect(green.code, green.stderr).toBe(0);
});

afterAll(async () => {
  await cli(['stack', 'down', 'blue', '--env', 'ci']);
  await cli(['stack', 'down', 'green', '--env', 'ci']);
  for (const id of ['test-broken', 'test-other'])
    await rm(join(releasesDir(ROOT), id), { recursive: true, force: true });
});

describe('deploy, switch, rollback, retire (native, ci)', () => {
  it('never sends traffic to a colour whose smoke tests fail', async () => {
    // A release with no frontend page: everything starts, the smoke test of / fails.
    const broken = join(releasesDir(ROOT), 'test-broken');
    await cp(join(releasesDir(ROOT), buildId), broken, { recursive: true, verbatimSymlinks: true });
    await rm(join(broken, 'apps', 'frontend', 'dist', 'index.html'));
    const releaseJson = join(broken, 'release.json');
    const meta = JSON.parse(await readFile(releaseJson, 'utf8'));
    await writeFile(releaseJson, JSON.stringify({ ...meta, buildId: 'test-broken', dir: broken }));

    const deploy = await cli(['deploy', '--env', 'ci', '--build', 'test-broken', '--watch', '1']);
    expect(deploy.code).toBe(1);
    expect(expectCleanError(deploy).split('\n').at(-1)).toMatch(
      /smoke test "frontend" failed on blue/,
    );
    expect(await servedBy()).toBe('green');
    expect((await lb()).active).toBe('green');
    await cli(['stack', 'down', 'blue', '--env', 'ci']);
  });

  it('switches back by itself when the new colour starts failing after the switch', async () => {
    const deploy = startDeploy(['--env', 'ci', '--colour', 'blue', '--watch', '20']);
    const deadline = Date.now() + 60_000;
    while ((await lb()).active !== 'blue') {
      if (Date.now() > deadline) throw new Error(`the deploy never switched:\n${deploy.stderr()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // blue's API dies under traffic during the watch window.
    const info = JSON.parse(
      (await cli(['stack', 'status', 'blue', '--env', 'ci', '--json'])).stdout,
    );
    process.kill(
      info.services.find((s: { service: string }) => s.service === 'api').pid,
      'SIGKILL',
    );
    for (let i = 0; i < 40; i++)
      await fetch(`${PRODUCTION}/api/v1/products`).catch(() => undefined);
    expect(await deploy.exited).toBe(1);
    expect(deploy.stderr()).toMatch(/switched back to green/);
    expect(await servedBy()).toBe('green');
    const steps = (await history(10)).filter((r) => /^switch/.test(r.step)).slice(-2);
    expect(steps).toMatchObject([
      { step: 'switch', fromColour: 'green', colour: 'blue', status: 'succeeded' },
      { step: 'switch-back', fromColour: 'blue', colour: 'green', status: 'succeeded' },
    ]);
  });

  // Killed just after each step's line is printed, so the kill lands in the step after it:
  // readiness, smoke, switch, watch, drain.
  it.each(['start', 'readiness', 'smoke', 'switch', 'watch'])(
    'converges when a deploy killed with SIGKILL after %s is run again',
    async (after) => {
      // Production on green, blue stopped: the deploy moves production to blue.
      await cli(['stack', 'up', 'green', '--env', 'ci', '--build', buildId]);
      expect((await cli(['switch', 'green', '--env', 'ci'])).code).toBe(0);
      await cli(['stack', 'down', 'blue', '--env', 'ci']);
      const killed = startDeploy(['--env', 'ci', '--colour', 'blue', '--watch', '2']);
      const line = new RegExp(`^ {2}${after} `, 'm');
      const deadline = Date.now() + 60_000;
      while (!line.test(killed.stderr())) {
        if (Date.now() > deadline)
          throw new Error(`the deploy never finished ${after}:\n${killed.stderr()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      killed.child.kill('SIGKILL');
      await killed.exited;
      const again = await cli(['deploy', '--env', 'ci', '--colour', 'blue', '--watch', '1']);
      expect(again.code, again.stderr).toBe(0);
      expect(await servedBy()).toBe('blue');
      const status = JSON.parse((await cli(['status', '--env', 'ci', '--json'])).stdout);
      expect(status.active).toBe('blue');
      expect(status.colours.filter((c: { active: boolean }) => c.active)).toHaveLength(1);
      // The lock died with the killed deploy: nothing is left holding it.
      expect(again.stderr).not.toMatch(/another deploy holds/);
    },
  );

  it('lets only one deploy run at a time per environment, naming the holder', async () => {
    const first = startDeploy(['--env', 'ci', '--colour', 'green', '--watch', '3']);
    while (!/deploying/.test(first.stderr())) await new Promise((r) => setTimeout(r, 50));
    const second = await cli(['deploy', '--env', 'ci', '--watch', '1']);
    expect(second.code).toBe(1);
    expect(expectCleanError(second)).toMatch(
      new RegExp(`another deploy holds the ci lock: pid ${first.child.pid}`),
    );
    await first.exited;
  });

  it("finishes when the old colour's queue is gone (an emulator that lost its state)", async () => {
    // blue serves production, then stops; its recorded queues no longer exist.
    await cli(['stack', 'up', 'blue', '--env', 'ci', '--build', buildId]);
    expect((await cli(['switch', 'blue', '--env', 'ci'])).code).toBe(0);
    await cli(['stack', 'down', 'blue', '--env', 'ci']);
    const infoFile = stackPaths('ci', 'blue', ROOT).info;
    const info = JSON.parse(await readFile(infoFile, 'utf8'));
    await writeFile(
      infoFile,
      JSON.stringify({
        ...info,
        queueUrl: `${info.queueUrl}-gone`,
        deadLetterQueueUrl: `${info.deadLetterQueueUrl}-gone`,
      }),
    );
    const deploy = await cli(['deploy', '--env', 'ci', '--colour', 'green', '--watch', '1']);
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(deploy.stderr).toMatch(/blue drained/);
    expect(await servedBy()).toBe('green');
  });

  it('starts the active colour again when it is down, and never deploys over it', async () => {
    // Production's colour stopped under it: a deploy to it must start it, not call it done.
    expect((await lb()).active).toBe('green');
    await cli(['stack', 'down', 'green', '--env', 'ci']);
    const restart = await cli(['deploy', '--env', 'ci', '--colour', 'green', '--watch', '1']);
    expect(restart.code, restart.stderr).toBe(0);
    expect(restart.stderr).toMatch(/\bstart\b/);
    expect(restart.stderr).toMatch(/\bsmoke\b/);
    expect(await servedBy()).toBe('green');

    // Another build onto the colour serving production would stop it mid-traffic: refused.
    const other = join(releasesDir(ROOT), 'test-other');
    await cp(join(releasesDir(ROOT), buildId), other, { recursive: true, verbatimSymlinks: true });
    const releaseJson = join(other, 'release.json');
    const meta = JSON.parse(await readFile(releaseJson, 'utf8'));
    await writeFile(releaseJson, JSON.stringify({ ...meta, buildId: 'test-other', dir: other }));
    const over = await cli(['deploy', '--env', 'ci', '--colour', 'green', '--build', 'test-other']);
    expect(over.code).toBe(1);
    expect(expectCleanError(over)).toMatch(
      new RegExp(
        `green serves production on ci with build ${buildId}; deploy test-other to blue instead`,
      ),
    );
    expect(await servedBy()).toBe('green');
  });
});
