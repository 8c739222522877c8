/**
 * The blue/green benchmark, on the ci environment in either runtime (--runtime, native by
 * default; in docker the colours are containers and the load balancer is the durable nginx
 * container):
 *
 * 1. Deploy timing: `echobase deploy` of an already built release, alternating colours, run as
 *    a user runs it (the CLI, default 10 s watch window). Target: p50 under 60 s.
 * 2. Memory: resident memory of the durable layer plus both colours running. Target < 1.5 GB.
 * 3. The switch: sustained keep-alive load through the production listener — mixed reads and
 *    POST /api/v1/orders, no client retries — first without switching (the baseline), then
 *    while switching blue↔green N times with the load balancer's switch (a shared-dict write,
 *    no reload), then the same with a reload-based switch (state file + `nginx -s reload`) for
 *    comparison (natively only: it signals the nginx process). Targets for the switch without
 *    reload: 0 failed requests; 0 lost and 0 duplicated orders (every 202 order id in the
 *    database exactly once); switch latency p99
 *    (switch command start → first response from the new colour) under 50 ms; throughput while
 *    switching within 10% of the baseline.
 *
 * Figures are printed and written to bench/results/blue-green.json (blue-green-docker.json in
 * docker); nothing here asserts. --deploys 0 skips the deploy timing.
 * Usage: npm run bench:switch [-- --runtime native|docker --switches 100 --readers 6 --writers 2
 *   --deploys 3 --interval-ms 100]
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { durableStatus } from '@echobase/ops/durable';
import { lbState, switchColour } from '@echobase/ops/lb';
import { envPaths, repoRoot } from '@echobase/ops/paths';
import { type Colour, LOOPBACK, PORT_PLAN } from '@echobase/ops/plan';
import { stackStatus } from '@echobase/ops/stack';
import { writeResults } from '@echobase/test-kit/bench';
import { echobaseOk } from '@echobase/test-kit/cli';
import { appPool } from '@echobase/test-kit/db';
import { type Answer, send, signUp } from '@echobase/test-kit/http';
import { ensureDurable, print } from './support.js';

const { values } = parseArgs({
  options: {
    switches: { type: 'string', default: '100' },
    readers: { type: 'string', default: '6' },
    writers: { type: 'string', default: '2' },
    deploys: { type: 'string', default: '3' },
    'interval-ms': { type: 'string', default: '100' },
    runtime: { type: 'string', default: 'native' },
  },
});
const RUNTIME = values.runtime;
if (RUNTIME !== 'native' && RUNTIME !== 'docker') {
  process.stderr.write(`bench:switch: --runtime must be native or docker, not '${RUNTIME}'\n`);
  process.exit(2);
}
const SWITCHES = Number(values.switches);
const READERS = Number(values.readers);
const WRITERS = Number(values.writers);
const WORKERS = READERS + WRITERS;
const DEPLOYS = Number(values.deploys);
const INTERVAL_MS = Number(values['interval-ms']);
for (const [name, n] of Object.entries({ SWITCHES, READERS, WRITERS, DEPLOYS, INTERVAL_MS })) {
  const least = name === 'DEPLOYS' ? 0 : 1;
  if (!Number.isInteger(n) || n < least) {
    process.stderr.write(
      `bench:switch: --${name.toLowerCase().replace('_', '-')} must be a whole number ≥ ${least}\n`,
    );
    process.exit(2);
  }
}

const ENV = 'ci';
const ROOT = repoRoot();
const PRODUCTION_PORT = PORT_PLAN[ENV].durable.lbProduction;
const PRODUCTION = { host: LOOPBACK, port: PRODUCTION_PORT };
const other = (c: Colour): Colour => (c === 'blue' ? 'green' : 'blue');
const log = (line: string) => process.stderr.write(`bench:switch: ${line}\n`);
const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The CLI as an operator runs it; a deploy takes as long as it takes. */
const echobase = (...args: string[]) => echobaseOk(args, { timeoutMs: 0 });

// ---- 1. deploy timing ----------------------------------------------------------------------

await ensureDurable(RUNTIME);
log(`building the release (not timed; ${RUNTIME} runtime)`);
const buildId = (await echobase('release', 'build')).trim();
if (DEPLOYS > 0) {
  await echobase('stack', 'down', 'blue', '--env', ENV);
  await echobase('stack', 'down', 'green', '--env', ENV);
}

const deploySeconds: number[] = [];
for (let i = 0; i < DEPLOYS; i++) {
  const colour: Colour = i % 2 === 0 ? 'blue' : 'green';
  log(`deploy ${i + 1}/${DEPLOYS}: ${buildId} to ${colour}`);
  const started = performance.now();
  await echobase('deploy', '--env', ENV, '--colour', colour, '--build', buildId, '--keep-warm');
  deploySeconds.push((performance.now() - started) / 1000);
}
// The switch needs both colours up: start whichever the deploys left stopped.
for (const colour of ['blue', 'green'] as const) {
  await echobase('stack', 'up', colour, '--env', ENV, '--build', buildId);
}

// ---- 2. memory -----------------------------------------------------------------------------

const durable = await durableStatus({ env: ENV, runtime: RUNTIME });
const stacks = await Promise.all((['blue', 'green'] as const).map((c) => stackStatus(ENV, c)));
const memory: Record<string, number> = {};
for (const s of durable.services) memory[`durable ${s.service}`] = s.rssBytes ?? 0;
for (const stack of stacks) {
  for (const s of stack.services) memory[`${stack.colour} ${s.service}`] = s.rssBytes ?? 0;
}
const totalMemoryMb = Object.values(memory).reduce((a, b) => a + b, 0) / 2 ** 20;

// ---- 3. the switch -------------------------------------------------------------------------

interface Phase {
  name: string;
  seconds: number;
  requests: number;
  perSecond: number;
  failed: number;
  failures: string[];
  ordersAccepted: number;
  switchLatencyMs?: { p50: number; p99: number; max: number; samples: number };
}

const sessions = await Promise.all(
  Array.from({ length: WORKERS }, () => signUp(`http://${LOOPBACK}:${PRODUCTION_PORT}`, 'bench')),
);
const accepted: string[] = [];
let listeners: ((colour: string) => void)[] = [];

/**
 * Load until `during` settles: READERS clients alternate GET /products and GET /orders, WRITERS
 * clients place orders, each one request at a time on one shared keep-alive agent.
 */
async function load(name: string, during: () => Promise<number[] | undefined>): Promise<Phase> {
  const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
  let running = true;
  let requests = 0;
  let orders = 0;
  const failures: string[] = [];
  const worker = async (w: number) => {
    const session = sessions[w] as (typeof sessions)[number];
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrfToken };
    for (let i = 0; running; i++) {
      try {
        let res: Answer;
        if (w >= READERS) {
          res = await send(
            agent,
            PRODUCTION,
            'POST',
            '/api/v1/orders',
            { ...headers, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
            JSON.stringify({ productId: 1 + (i % 11), quantity: 1 }),
          );
          if (res.status === 202) {
            accepted.push((JSON.parse(res.body) as { orderId: string }).orderId);
            orders++;
          }
        } else {
          res = await send(
            agent,
            PRODUCTION,
            'GET',
            i % 2 === 0 ? '/api/v1/products' : '/api/v1/orders',
            headers,
          );
        }
        requests++;
        if (res.status >= 400) failures.push(`${res.status} ${res.body.slice(0, 120)}`);
        const colour = res.headers['x-echobase-colour'];
        if (typeof colour === 'string') for (const l of listeners) l(colour);
      } catch (error) {
        requests++;
        failures.push((error as NodeJS.ErrnoException).code ?? String(error));
      }
    }
  };
  const started = performance.now();
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  const latencies = await during();
  running = false;
  await Promise.all(workers);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const phase: Phase = {
    name,
    seconds: round(seconds, 2),
    requests,
    perSecond: round(requests / seconds),
    failed: failures.length,
    failures: [...new Set(failures)].slice(0, 5),
    ordersAccepted: orders,
  };
  if (latencies) {
    phase.switchLatencyMs = {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      max: round(Math.max(...latencies)),
      samples: latencies.length,
    };
  }
  return phase;
}

/** Resolves with the time of the first response served by `colour` from now on. */
function firstResponseFrom(colour: Colour): Promise<number> {
  return new Promise((resolve) => {
    const listener = (served: string) => {
      if (served !== colour) return;
      listeners = listeners.filter((l) => l !== listener);
      resolve(performance.now());
    };
    listeners.push(listener);
  });
}

/** N switches, one every INTERVAL_MS, each timed to the first response from the new colour. */
function switching(method: (to: Colour) => Promise<void>) {
  return async () => {
    const latencies: number[] = [];
    let colour = (await lbState(ENV)).active ?? 'blue';
    for (let n = 0; n < SWITCHES; n++) {
      const to = other(colour);
      const started = performance.now();
      const first = firstResponseFrom(to);
      await method(to);
      latencies.push((await first) - started);
      colour = to;
      await sleep(INTERVAL_MS);
    }
    return latencies;
  };
}

const withoutReload = async (to: Colour) => {
  await switchColour(ENV, to);
};

/**
 * The classic way: persist the colour (a temp file renamed over the state file), then have
 * nginx reload its configuration (SIGHUP), which reads the state file again.
 */
const nginxPaths = envPaths(ENV, ROOT).nginx;
const withReload = async (to: Colour) => {
  const stateFile = join(nginxPaths.prefix, 'state', 'active-colour');
  await writeFile(`${stateFile}.bench`, `${to}\n${new Date().toISOString()}\n`);
  await rename(`${stateFile}.bench`, stateFile);
  process.kill(Number((await readFile(nginxPaths.pid, 'utf8')).trim()), 'SIGHUP');
};

await switchColour(ENV, 'blue');
// Warm both colours' connections and caches, so the baseline is not the coldest phase.
await load('warm-up', async () => {
  await switchColour(ENV, 'green');
  await sleep(1000);
  await switchColour(ENV, 'blue');
  await sleep(1000);
  return undefined;
});
const baselineSeconds = (SWITCHES * (INTERVAL_MS + 5)) / 1000;
log(`baseline: ${WORKERS} keep-alive clients for ${baselineSeconds} s, no switch`);
const baseline = await load('baseline (no switch)', async () => {
  await sleep(baselineSeconds * 1000);
  return undefined;
});
log(`${SWITCHES} switches without reload under the same load`);
const noReload = await load('switch without reload (shared dict)', switching(withoutReload));
// The reload comparison signals the nginx process: natively only. The switch itself (the Lua
// admin endpoint) is the same in both runtimes.
let reload: Phase | undefined;
if (RUNTIME === 'native') {
  log(`${SWITCHES} switches by nginx reload under the same load`);
  reload = await load('switch by nginx reload', switching(withReload));
}
const phases = reload ? [baseline, noReload, reload] : [baseline, noReload];
await switchColour(ENV, 'blue');

// ---- every accepted order, in the database exactly once ------------------------------------

log(`waiting for the ${accepted.length} accepted orders to be written`);
const pool = await appPool({ connectionLimit: 20 });
const unique = new Set(accepted);
const userIds = sessions.map((s) => s.userId);
let written = 0;
let completed = 0;
let rowsForUsers = 0;
const deadline = Date.now() + 300_000;
for (;;) {
  const [rows] = (await pool.query('SELECT id, status FROM orders WHERE user_id IN (?)', [
    userIds,
  ])) as unknown as [{ id: string; status: string }[]];
  rowsForUsers = rows.length;
  written = rows.filter((r) => unique.has(r.id)).length;
  completed = rows.filter((r) => unique.has(r.id) && r.status === 'completed').length;
  if (completed === unique.size || Date.now() > deadline) break;
  await sleep(500);
}
await pool.end();

const orders = {
  accepted: accepted.length,
  distinctIds: unique.size,
  inDatabase: written,
  completed,
  lost: unique.size - written,
  // More rows than accepted ids, or one id accepted twice: an order counted twice.
  duplicated: rowsForUsers - written + (accepted.length - unique.size),
};

const ratio = (p: Phase) => round(p.perSecond / baseline.perSecond, 3);
const results = {
  env: ENV,
  runtime: RUNTIME,
  buildId,
  settings: {
    switches: SWITCHES,
    readers: READERS,
    writers: WRITERS,
    intervalMs: INTERVAL_MS,
    mix: `${READERS} clients reading (GET /products, GET /orders), ${WRITERS} placing orders`,
  },
  deploy: {
    runs: deploySeconds.map((s) => round(s)),
    p50Seconds: deploySeconds.length > 0 ? round(percentile(deploySeconds, 50)) : null,
    target: 'p50 < 60 s',
  },
  memory: {
    totalMb: Math.round(totalMemoryMb),
    byProcessMb: Object.fromEntries(
      Object.entries(memory).map(([k, v]) => [k, Math.round(v / 2 ** 20)]),
    ),
    target: '< 1536 MB',
  },
  // The reload-based switch is there for comparison: its failed requests are the point.
  phases: phases.map((p) => ({
    ...p,
    throughputVsBaseline: ratio(p),
    ...(p === reload ? { comparison: true } : {}),
  })),
  orders,
};
const file = await writeResults(RUNTIME === 'docker' ? 'blue-green-docker' : 'blue-green', results);

const row = (p: Phase) =>
  `  ${p.name.padEnd(38)}${String(p.perSecond).padStart(8)} req/s  ×${ratio(p).toFixed(3)}  failed ${String(p.failed).padStart(4)}${
    p.switchLatencyMs
      ? `  switch p50 ${p.switchLatencyMs.p50} ms, p99 ${p.switchLatencyMs.p99} ms, max ${p.switchLatencyMs.max} ms`
      : ''
  }`;
print([
  DEPLOYS > 0
    ? `deploy (no build, ${DEPLOYS} runs): p50 ${results.deploy.p50Seconds} s  [${results.deploy.runs.join(', ')}]  (target < 60 s)`
    : 'deploy: not timed (--deploys 0)',
  `memory, durable layer + both colours: ${results.memory.totalMb} MB resident  (target < 1536 MB)`,
  ...Object.entries(results.memory.byProcessMb).map(
    ([k, v]) => `  ${k.padEnd(20)}${String(v).padStart(5)} MB`,
  ),
  `load: keep-alive, no retries; ${results.settings.mix}`,
  ...phases.map(row),
  `orders: ${orders.accepted} accepted, ${orders.inDatabase} in the database, ${orders.completed} completed, ${orders.lost} lost, ${orders.duplicated} duplicated`,
  `targets (switch without reload): 0 failed, 0 lost, 0 duplicated, switch p99 < 50 ms, throughput ≥ 0.9 × baseline`,
  `results: ${file}`,
]);
process.exit(0);
