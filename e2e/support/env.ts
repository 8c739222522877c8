import { PORT_PLAN } from '@echobase/ops/plan';

/** Where the suite runs: the ci environment's listeners, from the port plan. */
export const ENV = 'ci';
const lb = PORT_PLAN[ENV].durable;
export const PRODUCTION = `http://127.0.0.1:${lb.lbProduction}`;
export const GREEN_DIRECT = `http://127.0.0.1:${lb.lbGreen}`;
export const BLUE_DIRECT = `http://127.0.0.1:${lb.lbBlue}`;

/**
 * Debian's Chromium (the project never downloads a browser). The flags keep it off the
 * network it cannot reach here; --no-sandbox because CI runs as root.
 */
export const CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
