/**
 * Authenticated GET /api/v1/orders through the API gateway, as a ratio of a bare Express +
 * mysql2 handler running the same queries (bare-orders-server.ts), both as their own processes,
 * same user with 50 orders, same load. Target: ratio ≥ 0.8.
 * Usage: npm run bench:reads [-- --seconds 10 --connections 16]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeResults } from '@echobase/test-kit/bench';
import { appPool } from '@echobase/test-kit/db';
import { signUp } from '@echobase/test-kit/http';
import { startApp, startProcess } from '@echobase/test-kit/process';
import { sqsClient } from '@echobase/test-kit/queue';
import autocannon from 'autocannon';
import { ensureDurable, freshQueues, median, print, seedCompletedOrders } from './support.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const API_PORT = 3296;
const BARE_PORT = 3297;

await ensureDurable();
const sqs = sqsClient();
const queues = await freshQueues(sqs, 'reads');
const pool = await appPool({ connectionLimit: 20 });

async function load(url: string, headers: Record<string, string>) {
  const result = await autocannon({ url, connections, duration: seconds, headers });
  return {
    perSecond: result['2xx'] / seconds,
    ok: result['2xx'],
    errors: result.non2xx + result.errors,
    p99Ms: result.latency.p99,
  };
}

type Round = Awaited<ReturnType<typeof load>>;
function summary(runs: Round[]) {
  return {
    perSecond: median(runs.map((r) => r.perSecond)),
    rounds: runs.map((r) => Math.round(r.perSecond)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    p99Ms: median(runs.map((r) => r.p99Ms)),
  };
}

const api = await startApp('api-gateway', {
  env: { ORDERS_QUEUE_URL: queues.queueUrl, PORT: String(API_PORT), LOG_LEVEL: 'warn' },
  readyUrl: `http://127.0.0.1:${API_PORT}/health/ready`,
});
try {
  const session = await signUp(`http://127.0.0.1:${API_PORT}`, 'bench');
  await seedCompletedOrders(pool, session.userId);

  const bareMain = fileURLToPath(new URL('./bare-orders-server.ts', import.meta.url));
  const bare = await startProcess(
    'the bare server',
    process.execPath,
    ['--import', 'tsx', bareMain],
    {
      env: { PORT: String(BARE_PORT), BENCH_USER_ID: String(session.userId) },
      readyUrl: `http://127.0.0.1:${BARE_PORT}/ready`,
    },
  );
  try {
    print([
      `authenticated order reads: ${connections} connections, ${rounds} alternating rounds of ${seconds} s each, 50 orders, page of 20`,
    ]);
    // Alternating rounds, compared by their medians, so a busy moment on the machine does not
    // land on one side only.
    const bareRuns: Round[] = [];
    const apiRuns: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      bareRuns.push(await load(`http://127.0.0.1:${BARE_PORT}/orders`, {}));
      apiRuns.push(
        await load(`http://127.0.0.1:${API_PORT}/api/v1/orders`, { cookie: session.cookie }),
      );
    }
    const baseline = summary(bareRuns);
    const gateway = summary(apiRuns);
    print([
      `  bare Express + mysql2:   ${baseline.perSecond.toFixed(0)} req/s median (rounds ${baseline.rounds.join(', ')}; p99 ${baseline.p99Ms} ms, ${baseline.errors} errors)`,
    ]);
    print([
      `  GET /api/v1/orders:      ${gateway.perSecond.toFixed(0)} req/s median (rounds ${gateway.rounds.join(', ')}; p99 ${gateway.p99Ms} ms, ${gateway.errors} errors)`,
    ]);
    const ratio = gateway.perSecond / baseline.perSecond;
    const file = await writeResults('order-reads', {
      seconds,
      rounds,
      connections,
      baseline,
      gateway,
      ratio,
      target: 0.8,
      met: ratio >= 0.8,
    });
    print([
      `  ratio ${ratio.toFixed(2)} (target ≥ 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'})`,
      `  written to ${file}`,
    ]);
  } finally {
    await bare.stop();
  }
} finally {
  await api.stop();
  await queues.remove();
  await pool.end();
  sqs.destroy();
}
