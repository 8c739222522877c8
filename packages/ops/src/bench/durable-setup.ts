/**
 * Benchmark: how long `echobase durable setup` takes from nothing (cold), after a teardown that
 * kept the data (restart), and when everything already runs (warm; target under 2 s).
 * Runs the built CLI as a user would, on the ci environment (its data is deleted and
 * recreated), prints the figures and writes them to bench/results/durable-setup.json.
 * Usage: npm run bench:durable [-- --cold 3 --restart 3 --warm 10]
 */
import { parseArgs } from 'node:util';
import { writeResults } from '@echobase/test-kit/bench';
import { echobaseOk } from '@echobase/test-kit/cli';

const { values } = parseArgs({
  options: {
    cold: { type: 'string', default: '3' },
    restart: { type: 'string', default: '3' },
    warm: { type: 'string', default: '10' },
  },
});

/** Milliseconds the built CLI took, run as a user runs it. */
async function cli(...args: string[]): Promise<number> {
  const started = performance.now();
  await echobaseOk(args, { timeoutMs: 0 });
  return performance.now() - started;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (ms: number) => Math.round(ms);
  return {
    runs: samples.length,
    p50Ms: round(at(0.5)),
    maxMs: round(sorted.at(-1) ?? 0),
    minMs: round(sorted[0] ?? 0),
  };
}

async function measure(label: string, runs: number, prepare: () => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    await prepare();
    const ms = await cli('durable', 'setup', 'ci');
    samples.push(ms);
    process.stdout.write(`  ${label} run ${i + 1}/${runs}: ${(ms / 1000).toFixed(2)} s\n`);
  }
  return summary(samples);
}

process.stdout.write('durable setup benchmark (native runtime, ci environment)\n');
const cold = await measure('cold', Number(values.cold), () =>
  cli('durable', 'teardown', 'ci', '--volumes'),
);
const restart = await measure('restart', Number(values.restart), () =>
  cli('durable', 'teardown', 'ci'),
);
const warm = await measure('warm', Number(values.warm), async () => {});

const results = {
  coldFromNothing: cold,
  restartWithData: restart,
  warmRerun: { ...warm, targetMs: 2000, met: warm.maxMs < 2000 },
};
const file = await writeResults('durable-setup', results);

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
process.stdout.write(
  [
    '',
    `cold (from nothing):   p50 ${s(cold.p50Ms)}  max ${s(cold.maxMs)}  (${cold.runs} runs)`,
    `restart (data kept):   p50 ${s(restart.p50Ms)}  max ${s(restart.maxMs)}  (${restart.runs} runs)`,
    `warm re-run:           p50 ${s(warm.p50Ms)}  max ${s(warm.maxMs)}  (${warm.runs} runs; target < 2 s: ${results.warmRerun.met ? 'met' : 'NOT met'})`,
    `written to ${file}`,
    '',
  ].join('\n'),
);
