/**
 * The chaos run (see src/chaos/run.ts): kills the active colour's API, processor and frontend,
 * MariaDB and the AWS endpoint, one at a time and with a colour switch, under order and read
 * load; prints what each fault cost and writes bench/results/chaos.json. It asserts nothing.
 * Usage: npm run chaos [-- --env ci --repeats 3 --faults api,processor,... --no-switch --build <id>
 *        --reads-per-second 100 --orders-per-second 25]
 */
import { parseArgs } from 'node:util';
import { writeResults } from '@echobase/test-kit/bench';
import { FAULTS, type FaultName } from '../chaos/faults.js';
import { DEFAULT_ORDERS_PER_SECOND, DEFAULT_READS_PER_SECOND, runChaos } from '../chaos/run.js';
import { messageOf } from '../errors.js';
import { ENVIRONMENTS, type EnvName } from '../plan.js';
import { createReporter } from '../report.js';

function fail(message: string): never {
  process.stderr.write(`chaos: ${message}\n`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        env: { type: 'string', default: 'ci' },
        repeats: { type: 'string', default: '3' },
        faults: { type: 'string', default: FAULTS.join(',') },
        'no-switch': { type: 'boolean', default: false },
        build: { type: 'string' },
        'reads-per-second': { type: 'string', default: String(DEFAULT_READS_PER_SECOND) },
        'orders-per-second': { type: 'string', default: String(DEFAULT_ORDERS_PER_SECOND) },
      },
    });
  } catch (error) {
    return fail(messageOf(error));
  }
})();
const env = values.env as EnvName;
if (!ENVIRONMENTS.includes(env)) fail(`--env must be one of ${ENVIRONMENTS.join(', ')}`);
const repeats = Number(values.repeats);
if (!Number.isInteger(repeats) || repeats < 1) fail('--repeats must be a whole number ≥ 1');
const rate = (name: 'reads-per-second' | 'orders-per-second') => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0 || n > 10_000)
    fail(`--${name} must be a number from 1 to 10000`);
  return n;
};
const readsPerSecond = rate('reads-per-second');
const ordersPerSecond = rate('orders-per-second');
const faults = values.faults.split(',').map((f) => f.trim()) as FaultName[];
const unknown = faults.filter((f) => !FAULTS.includes(f));
if (unknown.length > 0) fail(`unknown fault ${unknown.join(', ')}; known: ${FAULTS.join(', ')}`);

const report = createReporter(process.stderr);
report.line(
  `chaos on ${env}: ${faults.join(', ')} × ${repeats}, ${values['no-switch'] ? 'without' : 'with and without'} a switch, under ${readsPerSecond} reads and ${ordersPerSecond} orders a second`,
);
let result: Awaited<ReturnType<typeof runChaos>>;
try {
  result = await runChaos({
    env,
    faults,
    repeats,
    withSwitch: !values['no-switch'],
    readsPerSecond,
    ordersPerSecond,
    report,
    ...(values.build ? { build: values.build } : {}),
  });
} catch (error) {
  fail(messageOf(error));
}

const file = await writeResults('chaos', { ...result });

const t = result.totals;
const lines = [
  '',
  `${'fault'.padEnd(22)}${'back in'.padStart(9)}${'all ready'.padStart(11)}${'orders'.padStart(8)}${'lost'.padStart(6)}${'failed'.padStart(8)}${'outside'.padStart(9)}`,
  ...result.runs.map(
    (r) =>
      `${`${r.fault}${r.switched ? '+switch' : ''} #${r.repeat}`.padEnd(22)}${(r.recoverySeconds === null ? 'never' : `${r.recoverySeconds.toFixed(2)} s`).padStart(9)}${(r.allReadySeconds === null ? 'never' : `${r.allReadySeconds.toFixed(2)} s`).padStart(11)}${String(r.orders.accepted).padStart(8)}${String(r.orders.lost).padStart(6)}${String(r.failedRequests).padStart(8)}${String(r.failedOutsideWindow).padStart(9)}`,
  ),
  '',
  `load: ${result.load.readsPerSecond} reads and ${result.load.ordersPerSecond} order requests a second over ${result.load.seconds} s, the machine's CPU ${result.load.cpuPercent}% busy`,
  `orders: ${t.accepted} accepted, ${t.completed} completed, ${t.lost} lost, ${t.duplicated} duplicated`,
  `failed requests: ${t.failedRequests} (${t.failedOutsideWindow} after the service was back); worst recovery ${t.worstRecoverySeconds ?? 'n/a'} s; ${t.unrecovered} never back`,
  `goal (0 lost, 0 duplicated, every service back within 2 s, failures only inside that window): ${result.goal.met ? 'met' : 'NOT met'}`,
  `results: ${file}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
