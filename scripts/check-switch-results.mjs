// Reads a blue/green benchmark result (bench/results/blue-green*.json) and fails unless the
// switches cost nothing: no failed request in the baseline or while switching without reload,
// no order lost or written twice.
// Timing figures are printed by the benchmark and never judged here.
// Usage: node scripts/check-switch-results.mjs <results.json>
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node scripts/check-switch-results.mjs <results.json>\n');
  process.exit(2);
}
let results;
try {
  results = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  process.stderr.write(`check-switch-results: cannot read ${file}: ${error.message}\n`);
  process.exit(1);
}
const problems = [];
// A phase marked `comparison` (the reload-based switch) is there to show what it costs.
for (const phase of (results.phases ?? []).filter((p) => !p.comparison)) {
  if (phase.failed !== 0) problems.push(`${phase.name}: ${phase.failed} failed requests`);
}
if ((results.phases ?? []).length < 2) problems.push('no switch phase in the results');
const { orders } = results;
if (!orders) problems.push('no order count in the results');
else {
  if (orders.lost !== 0) problems.push(`${orders.lost} accepted orders lost`);
  if (orders.duplicated !== 0) problems.push(`${orders.duplicated} orders duplicated`);
  if (orders.accepted === 0) problems.push('no order was accepted during the run');
}
if (problems.length > 0) {
  process.stderr.write(`check-switch-results: ${file}:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(
  `check-switch-results: ${file}: 0 failed requests, ${orders.accepted} orders accepted, 0 lost, 0 duplicated\n`,
);
