import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readStackInfo } from '../colour-stack.js';
import { logSource } from '../logs.js';
import { silentReporter } from '../report.js';
import { colourComposeArgs } from './compose.js';
import type { DockerExec } from './durable.js';
import { dockerLogCommand } from './logs.js';
import { dockerStackDown, dockerStackStatus, dockerStackUp, parseMemUsage } from './stack.js';

/** No engine here: these pin the commands the docker colour stack gives docker. */
const roots: string[] = [];
afterAll(() => Promise.all(roots.map((d) => rm(d, { recursive: true, force: true }))));

async function tempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'echobase-docker-stack-'));
  roots.push(root);
  return root;
}

function recorder(answers: Record<string, string> = {}) {
  const calls: { args: string[]; env?: NodeJS.ProcessEnv }[] = [];
  const docker: DockerExec = async (args, env) => {
    calls.push({ args, env });
    const key = Object.keys(answers).find((k) => args.join(' ').includes(k));
    // `docker inspect` of nothing it was told about: an empty list.
    if (key === undefined) return args[0] === 'inspect' ? '[]' : '';
    return answers[key] as string;
  };
  return { calls, docker };
}

const psLines = (state: string) =>
  ['api-gateway', 'order-processor', 'frontend']
    .map((Service) => JSON.stringify({ Service, State: state, Health: 'healthy' }))
    .join('\n');

describe('docker colour stacks', () => {
  it('point compose at the colour project, the environment ports and both compose files', () => {
    expect(colourComposeArgs('/repo', 'ci', 'green', 'up')).toEqual([
      'compose',
      '-p',
      'echobase-ci-green',
      '--env-file',
      '/repo/durable/.env.ci',
      '-f',
      '/repo/docker-compose.yml',
      '-f',
      '/repo/docker-compose.green.yml',
      'up',
    ]);
    expect(colourComposeArgs('/repo', 'devlocal', 'blue').slice(0, 3)).toEqual([
      'compose',
      '-p',
      'echobase-blue',
    ]);
  });

  it('reads state from compose ps, memory from docker stats, readiness from each port', async () => {
    const root = await tempRoot();
    const { calls, docker } = recorder({
      ' ps ': psLines('running'),
      stats: [
        'echobase-ci-blue-api-gateway\t101.5MiB / 23.4GiB',
        'echobase-ci-blue-order-processor\t80MiB / 23.4GiB',
        'echobase-ci-blue-frontend\t45.1MiB / 23.4GiB',
      ].join('\n'),
    });
    // The probe is injected: whatever listens on this machine's ports (a ci colour that is up)
    // must not change the outcome of a unit test.
    const probed: string[] = [];
    const processorDown = async (url: string) => {
      probed.push(url);
      return !url.includes(':3202/');
    };
    const status = await dockerStackStatus('ci', 'blue', root, docker, processorDown);
    expect(status.services.map((s) => [s.service, s.state, s.port, s.healthy, s.rssBytes])).toEqual(
      [
        ['api', 'running', 3201, true, parseMemUsage('101.5MiB')],
        ['processor', 'running', 3202, false, 80 * 2 ** 20],
        ['frontend', 'running', 3203, true, parseMemUsage('45.1MiB')],
      ],
    );
    expect(probed.sort()).toEqual([
      'http://127.0.0.1:3201/health/ready',
      'http://127.0.0.1:3202/health/ready',
      'http://127.0.0.1:3203/health/live',
    ]);
    expect(status.healthy).toBe(false);
    expect(calls[1]?.args.slice(0, 3)).toEqual(['stats', '--no-stream', '--format']);

    const allReady = await dockerStackStatus('ci', 'blue', root, docker, async () => true);
    expect(allReady.healthy).toBe(true);
  });

  it('shows restarts and uptime of each running service from docker inspect', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T21:02:05Z'));
    try {
      const root = await tempRoot();
      const inspected = (service: string, restarts: number, startedAt: string) => ({
        Name: `/echobase-ci-blue-${service}`,
        RestartCount: restarts,
        State: { Status: 'running', Running: true, StartedAt: startedAt },
      });
      const { calls, docker } = recorder({
        ' ps ': psLines('running'),
        inspect: JSON.stringify([
          inspected('api-gateway', 0, '2026-12-01T20:00:00.5Z'),
          inspected('order-processor', 2, '2026-12-01T21:02:00.999999999Z'),
          inspected('frontend', 1, '2026-12-01T21:01:00Z'),
        ]),
      });
      const status = await dockerStackStatus('ci', 'blue', root, docker, async () => true);
      expect(status.services.map((s) => [s.service, s.restarts, s.uptimeSeconds])).toEqual([
        ['api', 0, 3724],
        ['processor', 2, 4],
        ['frontend', 1, 65],
      ]);
      expect(calls.find((c) => c.args[0] === 'inspect')?.args).toEqual([
        'inspect',
        '--type',
        'container',
        'echobase-ci-blue-api-gateway',
        'echobase-ci-blue-order-processor',
        'echobase-ci-blue-frontend',
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never probes a service that is not running', async () => {
    const root = await tempRoot();
    const { docker } = recorder({ ' ps ': psLines('exited') });
    const probed: string[] = [];
    const status = await dockerStackStatus('ci', 'blue', root, docker, async (url) => {
      probed.push(url);
      return true;
    });
    expect(status.services.map((s) => [s.state, s.healthy])).toEqual([
      ['stopped', false],
      ['stopped', false],
      ['stopped', false],
    ]);
    expect(probed).toEqual([]);
  });

  it('makes the queues, records them, then builds and starts the colour tagged by build id', async () => {
    const root = await tempRoot();
    const { calls, docker } = recorder({ ' ps ': '' });
    const queues = async () => ({
      queueUrl: 'http://127.0.0.1:4567/123456789012/echobase-ci-green-orders',
      deadLetterQueueUrl: 'http://127.0.0.1:4567/123456789012/echobase-ci-green-orders-dlq',
    });
    const release = { buildId: 'abc123', dir: root, gitSha: 'abc123', createdAt: '' };
    await dockerStackUp('ci', 'green', release, silentReporter, root, docker, queues);
    const up = calls.at(-1);
    expect(up?.args).toEqual(
      colourComposeArgs(root, 'ci', 'green', 'up', '-d', '--build', '--wait'),
    );
    expect(up?.env).toEqual({ ECHOBASE_ENV: 'ci', BUILD_ID: 'abc123' });
    expect(await readStackInfo('ci', 'green', root)).toMatchObject({
      buildId: 'abc123',
      queueUrl: 'http://127.0.0.1:4567/123456789012/echobase-ci-green-orders',
    });
  });

  it('does not start the colour when its queues cannot be made', async () => {
    const root = await tempRoot();
    const { calls, docker } = recorder({ ' ps ': '' });
    const release = { buildId: 'abc123', dir: root, gitSha: 'abc123', createdAt: '' };
    await expect(
      dockerStackUp('ci', 'green', release, silentReporter, root, docker, async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:4567');
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(calls.some((c) => c.args.includes('up'))).toBe(false);
    expect(await readStackInfo('ci', 'green', root)).toBeNull();
  });

  it('refuses to start another build over a running colour', async () => {
    const root = await tempRoot();
    const { calls, docker } = recorder({ ' ps ': psLines('running') });
    await expect(
      dockerStackUp(
        'ci',
        'green',
        { buildId: 'new', dir: root, gitSha: 'new', createdAt: '' },
        silentReporter,
        root,
        docker,
      ),
    ).rejects.toThrow(/green on ci runs build null; retire it before starting new/);
    expect(calls.some((c) => c.args.includes('up'))).toBe(false);
  });

  it('stops a running colour with compose down, giving the apps time to drain', async () => {
    const root = await tempRoot();
    const { calls, docker } = recorder({ ' ps ': psLines('running') });
    expect(await dockerStackDown('ci', 'blue', silentReporter, root, docker)).toEqual([
      'api',
      'processor',
      'frontend',
    ]);
    expect(calls.at(-1)?.args.slice(-3)).toEqual(['down', '--timeout', '60']);
    expect(calls.at(-1)?.env).toMatchObject({ ECHOBASE_ENV: 'ci' });

    const stopped = recorder({ ' ps ': psLines('exited') });
    expect(await dockerStackDown('ci', 'blue', silentReporter, root, stopped.docker)).toEqual([]);
    expect(stopped.calls.some((c) => c.args.includes('down'))).toBe(false);
  });

  it('shows logs with compose logs, naming compose services', () => {
    const opts = { follow: true, lines: 20 };
    expect(dockerLogCommand('/repo', 'ci', logSource('blue', 'api'), opts)).toEqual({
      args: colourComposeArgs(
        '/repo',
        'ci',
        'blue',
        'logs',
        '--tail',
        '20',
        '--follow',
        'api-gateway',
      ),
      env: {},
    });
    // JSON lines as the apps wrote them: without compose's `<service> | ` prefix.
    expect(
      dockerLogCommand('/repo', 'ci', logSource('blue', 'api'), { ...opts, format: 'json' }).args,
    ).toContain('--no-log-prefix');
    const durable = dockerLogCommand('/repo', 'ci', logSource('durable', 'nginx'), {
      follow: false,
      lines: 5,
    });
    expect(durable.args).toEqual([
      'compose',
      '-p',
      'echobase-ci-durable',
      '--env-file',
      '/repo/durable/.env.ci',
      '-f',
      '/repo/durable/docker-compose.yml',
      'logs',
      '--tail',
      '5',
      'nginx',
    ]);
    // Compose interpolates the whole file for every command, logs included: each variable it
    // requires (${NAME:?…}) must be set, though logs never uses the values.
    const file = readFileSync(
      new URL('../../../../durable/docker-compose.yml', import.meta.url),
      'utf8',
    );
    const required = [...file.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(durable.env[name as string], name).toMatch(/.+/);
  });

  it('parses docker stats memory figures', () => {
    expect(parseMemUsage('12MiB / 1.9GiB')).toBe(12 * 2 ** 20);
    expect(parseMemUsage('1.5GiB / 4GiB')).toBe(1.5 * 2 ** 30);
    expect(parseMemUsage('900kB / 1GiB')).toBeNull();
    expect(parseMemUsage('--')).toBeNull();
  });
});
