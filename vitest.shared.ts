import { defineConfig } from 'vitest/config';

/**
 * Every package's Vitest setup: `unit` (src/**, beside the code, no servers) and `integration`
 * (test/**, against the real ci durable layer of the runtime under test, one file at a time). Results also go to
 * .test-results/ as JSON, which scripts/test.sh sums into one closing line.
 */
export function packageTestConfig() {
  return defineConfig({
    test: {
      reporters: ['default', 'json'],
      // One file per npm script (test, test:integration) and runtime, so a later run does not
      // clobber another's.
      outputFile: {
        json: `.test-results/${(process.env.npm_lifecycle_event ?? 'vitest').replace(':', '-')}${process.env.ECHOBASE_RUNTIME === 'docker' ? '-docker' : ''}.json`,
      },
      projects: [
        { test: { name: 'unit', include: ['src/**/*.test.ts'] } },
        {
          test: {
            name: 'integration',
            include: ['test/**/*.test.ts'],
            fileParallelism: false,
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  });
}
