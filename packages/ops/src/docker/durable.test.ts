import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { envPaths } from '../paths.js';
import { PORT_PLAN } from '../plan.js';
import { prometheusConfig } from '../prometheus.js';
import { generateCredentials, writeCredentials } from '../provision/credentials.js';
import { silentReporter } from '../report.js';
import type { DurableContext } from '../runtime.js';
import {
  composeArgs,
  type DockerExec,
  dockerSetup,
  dockerStatus,
  dockerTeardown,
} from './durable.js';

/** The docker runtime cannot run here (no engine); these pin the commands it gives docker. */
const roots: string[] = [];
afterAll(() => Promise.all(roots.map((d) => rm(d, { recursive: true, force: true }))));

async function context(): Promise<DurableContext> {
  const root = await mkdtemp(join(tmpdir(), 'echobase-docker-'));
  roots.push(root);
  return { env: 'ci', plan: PORT_PLAN.ci, paths: envPaths('ci', root), report: silentReporter };
}

function recorder(answers: Record<string, string | Error> = {}) {
  const calls: { args: string[]; env?: NodeJS.ProcessEnv }[] = [];
  const docker: DockerExec = async (args, env) => {
    calls.push({ args, env });
    const key = Object.keys(answers).find((k) => args.join(' ').includes(k));
    // `docker inspect` of nothing it was told about: an empty list.
    const answer = key === undefined ? (args[0] === 'inspect' ? '[]' : '') : answers[key];
    if (answer instanceof Error) throw answer;
    return answer ?? '';
  };
  return { calls, docker };
}

describe('docker runtime', () => {
  it('points compose at the environment project, env file and compose file', async () => {
    const ctx = await context();
    expect(composeArgs(ctx, 'up')).toEqual([
      'compose',
      '-p',
      'echobase-ci-durable',
      '--env-file',
      join(ctx.paths.root, 'durable', '.env.ci'),
      '-f',
      join(ctx.paths.root, 'durable', 'docker-compose.yml'),
      'up',
    ]);
  });

  it('refuses to start over an existing volume whose credentials are gone, before running compose', async () => {
    const ctx = await context();
    const { calls, docker } = recorder();
    await expect(dockerSetup(ctx, docker)).rejects.toThrow(
      /database volume exists but .*credentials\.json is missing/,
    );
    expect(calls.map((c) => c.args.slice(0, 2))).toEqual([['volume', 'inspect']]);
  });

  it('passes the root password, the admin token and the Prometheus config to compose in the environment, never in arguments', async () => {
    const ctx = await context();
    const creds = generateCredentials();
    await writeCredentials(ctx.paths.credentials, creds);
    const { calls, docker } = recorder({ 'up -d --wait': new Error('stop here: no engine') });
    await expect(dockerSetup(ctx, docker)).rejects.toThrow('stop here');
    const up = calls.find((c) => c.args.includes('up'));
    expect(up?.args.slice(-3)).toEqual(['up', '-d', '--wait']);
    expect(up?.env).toEqual({
      MARIADB_ROOT_PASSWORD: creds.dbRootPassword,
      LB_ADMIN_TOKEN: creds.lbAdminToken,
      PROMETHEUS_CONFIG: ctx.paths.prometheus.config,
    });
    // Written before compose mounts it: the colours' containers by name.
    expect(await readFile(ctx.paths.prometheus.config, 'utf8')).toBe(
      prometheusConfig('ci', 'docker', ctx.paths.root),
    );
    expect(up?.args.join(' ')).not.toContain(creds.dbRootPassword);
    expect(up?.args.join(' ')).not.toContain(creds.lbAdminToken);
  });

  it('keeps volumes on teardown unless asked', async () => {
    const ctx = await context();
    const keep = recorder();
    await dockerTeardown(ctx, false, keep.docker);
    expect(keep.calls[0]?.args.slice(-1)).toEqual(['down']);
    // compose interpolates the whole file even for down: the variable must be set, to anything
    expect(keep.calls[0]?.env?.MARIADB_ROOT_PASSWORD).toBeTruthy();
    const wipe = recorder();
    await dockerTeardown(ctx, true, wipe.docker);
    expect(wipe.calls[0]?.args.slice(-2)).toEqual(['down', '--volumes']);
  });

  it('reads service states from compose ps, in either of its output shapes', async () => {
    const ctx = await context();
    const lines = [
      JSON.stringify({ Service: 'mariadb', State: 'running', Health: 'healthy' }),
      JSON.stringify({ Service: 'aws', State: 'exited', Health: '' }),
    ].join('\n');
    const array = JSON.stringify([{ Service: 'mariadb', State: 'running', Health: 'starting' }]);
    for (const [out, expected] of [
      [
        lines,
        [
          ['mariadb', 'running', true],
          ['aws', 'stopped', false],
          ['sqs', 'missing', false],
          ['nginx', 'missing', false],
          ['prometheus', 'missing', false],
          ['jaeger', 'missing', false],
        ],
      ],
      [
        array,
        [
          ['mariadb', 'running', false],
          ['aws', 'missing', false],
          ['sqs', 'missing', false],
          ['nginx', 'missing', false],
          ['prometheus', 'missing', false],
          ['jaeger', 'missing', false],
        ],
      ],
    ] as const) {
      const { docker } = recorder({ ps: out });
      const status = await dockerStatus(ctx, docker);
      expect(status.map((s) => [s.service, s.state, s.healthy])).toEqual(expected);
    }
  });

  it('shows restarts and uptime from docker inspect, as natively', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T21:05:00.500Z'));
    try {
      const ctx = await context();
      const { calls, docker } = recorder({
        ps: [
          JSON.stringify({
            Name: 'echobase-ci-durable-mariadb',
            Service: 'mariadb',
            State: 'running',
          }),
          JSON.stringify({ Name: 'echobase-ci-durable-aws', Service: 'aws', State: 'exited' }),
        ].join('\n'),
        inspect: INSPECT,
      });
      const status = await dockerStatus(ctx, docker);
      expect(status.map((s) => [s.service, s.restarts, s.uptimeSeconds])).toEqual([
        ['mariadb', 3, 300],
        ['aws', 7, null],
        ['sqs', undefined, null],
        ['nginx', undefined, null],
        ['prometheus', undefined, null],
        ['jaeger', undefined, null],
      ]);
      // Only containers compose listed: inspecting a missing one fails the whole command.
      const inspect = calls.find((c) => c.args[0] === 'inspect');
      expect(inspect?.args).toEqual([
        'inspect',
        '--type',
        'container',
        'echobase-ci-durable-mariadb',
        'echobase-ci-durable-aws',
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});

/** `docker inspect` of a running and an exited container, trimmed to a few fields. */
const INSPECT = JSON.stringify([
  {
    Id: '5f1c0e6a1d2b',
    Created: '2026-12-01T20:00:00.000000000Z',
    Path: 'docker-entrypoint.sh',
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 4242,
      ExitCode: 0,
      Error: '',
      StartedAt: '2026-12-01T21:00:00.123456789Z',
      FinishedAt: '2026-12-01T20:59:59.876543210Z',
      Health: { Status: 'healthy', FailingStreak: 0 },
    },
    Name: '/echobase-ci-durable-mariadb',
    RestartCount: 3,
  },
  {
    Id: '9a8b7c6d5e4f',
    Created: '2026-12-01T20:00:00.000000000Z',
    Path: 'moto_server',
    State: {
      Status: 'exited',
      Running: false,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 0,
      ExitCode: 137,
      Error: '',
      StartedAt: '2026-12-01T20:30:00.000000000Z',
      FinishedAt: '2026-12-01T20:31:00.000000000Z',
    },
    Name: '/echobase-ci-durable-aws',
    RestartCount: 7,
  },
]);
