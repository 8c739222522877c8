import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.ts';

/**
 * Like ../../vitest.shared.ts (same reporters and .test-results/ file, summed by
 * scripts/test-summary.mjs), but the unit project runs in jsdom for the React components.
 */
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      reporters: ['default', 'json'],
      outputFile: {
        json: `.test-results/${(process.env.npm_lifecycle_event ?? 'vitest').replace(':', '-')}.json`,
      },
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            environment: 'jsdom',
            include: ['src/**/*.test.{ts,tsx}'],
            setupFiles: ['src/test/setup.ts'],
            restoreMocks: true,
            // axe and user-event runs are slow on a busy 2-core CI machine.
            testTimeout: 20_000,
          },
        },
        {
          // server.mjs, the colour's static server, spawned as a stack runs it.
          test: { name: 'server', environment: 'node', include: ['server.test.mjs'] },
        },
      ],
    },
  }),
);
