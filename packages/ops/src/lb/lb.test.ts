import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { textCollector } from '@echobase/test-kit/logs';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { describeSwitch, formatLbState, registerLbCommands } from '../cli/lb.js';
import { OpsError, UsageError } from '../errors.js';
import { envPaths } from '../paths.js';
import { generateCredentials, writeCredentials } from '../provision/credentials.js';
import { type LbState, lbState, switchColour } from './lb.js';

const TOKEN = 'test-admin-token';

const STATE: LbState = {
  active: 'blue',
  switchedAt: '2026-01-02T03:04:05.678Z',
  colours: {
    blue: { inFlight: 2, requests: 120, errors5xx: 1 },
    green: { inFlight: 0, requests: 7, errors5xx: 0 },
  },
};

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });

/** A fetch that records its calls and answers with `answer`. */
function fakeFetch(answer: (url: string, init?: RequestInit) => Response | Promise<Response>) {
  const calls: {
    url: string;
    method?: string;
    body?: unknown;
    headers?: RequestInit['headers'];
  }[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({
      url: String(input),
      method: init?.method,
      body: init?.body,
      headers: init?.headers,
    });
    return answer(String(input), init);
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** What undici throws when nothing listens. */
function refused(): never {
  throw Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8189'), {
      code: 'ECONNREFUSED',
    }),
  });
}

async function runCommands(args: string[], fetch: typeof globalThis.fetch) {
  const out = textCollector();
  const program = new Command('echobase').exitOverride().configureOutput({
    writeOut: () => {},
    writeErr: () => {},
  });
  // No history here: src/lb-history.test.ts covers what a switch records.
  registerLbCommands(
    program,
    out.stream,
    textCollector().stream,
    { fetch, token: TOKEN },
    async () => {},
  );
  await program.parseAsync(args, { from: 'user' });
  return out.text();
}

describe('load balancer client', () => {
  it("reads the state from the environment's admin port", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, STATE));
    expect(await lbState('ci', { fetch, token: TOKEN })).toEqual(STATE);
    expect(calls).toMatchObject([{ url: 'http://127.0.0.1:8189/state', method: 'GET' }]);
  });

  it('posts the colour to /switch and returns the active and previous colours', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { active: 'green', previous: 'blue' }));
    expect(await switchColour('devlocal', 'green', { fetch, token: TOKEN })).toEqual({
      active: 'green',
      previous: 'blue',
    });
    expect(calls).toMatchObject([
      { url: 'http://127.0.0.1:8089/switch', method: 'POST', body: '{"colour":"green"}' },
    ]);
  });

  it('sends the admin token as a bearer token, and the switch as JSON', async () => {
    const { fetch, calls } = fakeFetch((url) =>
      url.endsWith('/state') ? json(200, STATE) : json(200, { active: 'green', previous: 'blue' }),
    );
    await lbState('ci', { fetch, token: TOKEN });
    await switchColour('ci', 'green', { fetch, token: TOKEN });
    expect(new Headers(calls[0]?.headers).get('authorization')).toBe(`Bearer ${TOKEN}`);
    const posted = new Headers(calls[1]?.headers);
    expect(posted.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(posted.get('content-type')).toBe('application/json');
  });

  it("takes the token from the environment's credentials file, and says when there is none", async () => {
    const root = await mkdtemp(join(tmpdir(), 'echobase-lb-'));
    dirs.push(root);
    const { fetch, calls } = fakeFetch(() => json(200, STATE));
    await expect(lbState('ci', { fetch, root })).rejects.toThrow(
      new OpsError('ci has no credentials file; set it up first: ./durable/setup.sh ci'),
    );
    expect(calls).toEqual([]);
    const creds = generateCredentials();
    await writeCredentials(envPaths('ci', root).credentials, creds);
    await lbState('ci', { fetch, root });
    expect(new Headers(calls[0]?.headers).get('authorization')).toBe(
      `Bearer ${creds.lbAdminToken}`,
    );
  });

  it('says how to start a load balancer that is not running', async () => {
    const { fetch } = fakeFetch(refused);
    await expect(lbState('ci', { fetch, token: TOKEN })).rejects.toThrow(
      new OpsError('the load balancer of ci is not running: ./durable/setup.sh ci'),
    );
  });

  it('passes on the reason the load balancer gives for a refusal', async () => {
    const { fetch } = fakeFetch(() =>
      json(500, {
        error: { code: 'not_persisted', message: 'could not persist the active colour: EACCES' },
      }),
    );
    await expect(switchColour('ci', 'green', { fetch, token: TOKEN })).rejects.toThrow(
      'the load balancer of ci refused the switch to green: could not persist the active colour: EACCES',
    );
  });

  it('names the status when a refusal has no error envelope', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>', { status: 404 }));
    await expect(lbState('ci', { fetch, token: TOKEN })).rejects.toThrow(
      'the load balancer of ci refused the state request: HTTP 404',
    );
  });

  it('refuses an answer that is not the admin API', async () => {
    const { fetch } = fakeFetch(() => json(200, { active: 'purple' }));
    await expect(lbState('ci', { fetch, token: TOKEN })).rejects.toThrow(
      'the load balancer of ci gave an unexpected answer to the state request (http://127.0.0.1:8189/state)',
    );
  });

  it('gives up on a load balancer that does not answer', async () => {
    const { fetch } = fakeFetch(
      (_url, init) =>
        new Promise((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
        ),
    );
    await expect(lbState('ci', { fetch, token: TOKEN, timeoutMs: 20 })).rejects.toThrow(
      'the load balancer of ci did not answer the state request within 0.02 s',
    );
  });
});

describe('load balancer output', () => {
  it('describes a switch in one line', () => {
    expect(describeSwitch('ci', { active: 'green', previous: 'blue' })).toBe(
      'production on ci now routes to green (was blue)',
    );
    expect(describeSwitch('ci', { active: 'blue', previous: null })).toBe(
      'production on ci now routes to blue (was no colour)',
    );
    expect(describeSwitch('devlocal', { active: 'blue', previous: 'blue' })).toBe(
      'production on devlocal already routes to blue; nothing changed',
    );
  });

  it('prints the active colour and each colour’s counters', () => {
    expect(formatLbState('ci', STATE)).toBe(
      [
        'production on ci routes to blue (since 2026-01-02T03:04:05.678Z)',
        '  colour  in-flight  requests  5xx',
        '  blue    2          120       1  (production)',
        '  green   0          7         0',
        '',
      ].join('\n'),
    );
    expect(formatLbState('ci', { ...STATE, active: null, switchedAt: null })).toMatch(
      /^production on ci routes to no colour yet \(503 until the first switch\)\n/,
    );
  });
});

describe('echobase switch and lb status', () => {
  it('switches and prints one line', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { active: 'green', previous: 'blue' }));
    expect(await runCommands(['switch', 'green', '--env', 'ci'], fetch)).toBe(
      'production on ci now routes to green (was blue)\n',
    );
    expect(calls[0]?.url).toBe('http://127.0.0.1:8189/switch');
  });

  it('defaults to devlocal', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { active: 'blue', previous: null }));
    await runCommands(['switch', 'blue'], fetch);
    expect(calls[0]?.url).toBe('http://127.0.0.1:8089/switch');
  });

  it('rejects an unknown colour as bad usage, before calling the load balancer', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, {}));
    const failure = runCommands(['switch', 'purple', '--env', 'ci'], fetch);
    await expect(failure).rejects.toThrow(
      new UsageError("unknown colour 'purple' (expected blue or green)"),
    );
    await expect(failure).rejects.toMatchObject({ exitCode: 2 });
    expect(calls).toEqual([]);
  });

  it('prints the state for people, and as JSON for machines', async () => {
    const { fetch } = fakeFetch(() => json(200, STATE));
    expect(await runCommands(['lb', 'status', '--env', 'ci'], fetch)).toBe(
      formatLbState('ci', STATE),
    );
    expect(JSON.parse(await runCommands(['lb', 'status', '--env', 'ci', '--json'], fetch))).toEqual(
      STATE,
    );
  });
});
