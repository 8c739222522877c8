/**
 * The chaos run (see src/chaos/run.ts): kills the active colour's API, processor and frontend,
 * MariaDB and the AWS endpoint, one at a time and with a colour switch, under order and read
 * load; prints what each fault cost and writes bench/results/chaos.json. It asserts nothing.
 * Usage: npm run chaos [-- --env ci --repeats 3 --faults api,processor,... --no-switch --build <id>]
 */
import { parseArgs } from 'node:util';
import { writeResults } from '@echobase/test-kit/bench';
import { FAULTS, type FaultName } from '../chaos/faults.js';
import { runChaos } from '../chaos/run.js';
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
const faults = values.faults.split(',').map((f) => f.trim()) as FaultName[];
const unknown = faults.filter((f) => !FAULTS.includes(f));
if (unknown.length > 0) fail(`unknown fault ${unknown.join(', ')}; known: ${FAULTS.join(', ')}`);

const report = createReporter(process.stderr);
report.line(`chaos on ${env}: ${faults.join(', ')} × ${repeats}, with and without a switch`);
let result: Awaited<ReturnType<typeof runChaos>>;
try {
  result = await runChaos({
    env,
    faults,
    repeats,
    withSwitch: !values['no-switch'],
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
  `orders: ${t.accepted} accepted, ${t.completed} completed, ${t.lost} lost, ${t.duplicated} duplicated`,
  `failed requests: ${t.failedRequests} (${t.failedOutsideWindow} after the service was back); worst recovery ${t.worstRecoverySeconds ?? 'n/a'} s; ${t.unrecovered} never back`,
  `goal (0 lost, 0 duplicated, every service back within 2 s, failures only inside that window): ${result.goal.met ? 'met' : 'NOT met'}`,
  `results: ${file}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
