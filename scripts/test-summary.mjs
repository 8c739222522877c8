// Sums the Vitest and Playwright JSON reports of this run (.test-results/*.json in each workspace) into the
// closing line CI reads: "tests: N passed, N failed, N skipped".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const totals = { passed: 0, failed: 0, skipped: 0 };
for (const group of ['apps', 'packages', 'e2e']) {
  const dirs =
    group === 'e2e'
      ? [join(root, 'e2e')]
      : readdirSync(join(root, group)).map((d) => join(root, group, d));
  for (const dir of dirs) {
    const results = join(dir, '.test-results');
    if (!existsSync(results)) continue;
    for (const file of readdirSync(results).filter((f) => f.endsWith('.json'))) {
      const report = JSON.parse(readFileSync(join(results, file), 'utf8'));
      if (report.stats) {
        // Playwright's JSON reporter (e2e): expected = passed, unexpected = failed.
        totals.passed += report.stats.expected + report.stats.flaky;
        totals.failed += report.stats.unexpected;
        totals.skipped += report.stats.skipped;
        continue;
      }
      totals.passed += report.numPassedTests;
      totals.failed += report.numFailedTests;
      totals.skipped += report.numPendingTests + report.numTodoTests;
    }
  }
}
process.stdout.write(
  `\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`,
);
