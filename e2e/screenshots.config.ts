import { defineConfig } from '@playwright/test';
import { CHROMIUM, PRODUCTION } from './support/env.js';

/**
 * `npm run screenshots -w @echobase/e2e`: the four main pages at desktop width and on a 390 px
 * phone, written to e2e/screenshots/. Uses the environment the suite deploys (green on ci).
 */
export default defineConfig({
  testDir: './screenshots',
  testMatch: '*.shots.ts',
  globalSetup: './global-setup.ts',
  workers: 1,
  reporter: 'list',
  outputDir: 'test-results/screenshots',
  use: { baseURL: PRODUCTION, launchOptions: CHROMIUM },
  projects: [
    { name: 'desktop', use: { viewport: { width: 1280, height: 900 } } },
    {
      name: 'phone',
      use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
    },
  ],
});
