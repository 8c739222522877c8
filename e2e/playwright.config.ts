import { defineConfig, devices } from '@playwright/test';
import { CHROMIUM, PRODUCTION } from './support/env.js';

/**
 * The end-to-end suite: Debian's Chromium against green, deployed on the native ci environment
 * by global-setup.ts, through the production listener (and green's direct one). One worker:
 * the blue/green specs move production between colours, which every other spec goes through.
 */
export default defineConfig({
  testDir: './specs',
  globalSetup: './global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  outputDir: 'test-results',
  reporter: [
    ['list'],
    // One report per runtime: ./scripts/test.sh runs the suite in both, and sums both.
    [
      'json',
      { outputFile: `.test-results/test-e2e-${process.env.ECHOBASE_RUNTIME || 'native'}.json` },
    ],
    ['html', { outputFolder: 'playwright-report', open: 'never' }],
  ],
  use: {
    ...devices['Desktop Chrome'],
    baseURL: PRODUCTION,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: CHROMIUM,
  },
});
