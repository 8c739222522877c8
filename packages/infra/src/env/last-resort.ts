import type { Logger } from '../logger/index.js';

/**
 * Every service's last resort: an error nothing else caught (a throw in a callback, an 'error'
 * event with no listener, a promise nobody awaited) is logged and the process carries on,
 * instead of Node's default of exiting. It is for what happens outside the places that already
 * answer errors (Express answers 500 for what its handlers throw), so that no request or
 * message, however it goes wrong, ends the process. Carrying on is safe because the services
 * hold no state a failure could leave half-changed: each database row and queue message is
 * written whole or not at all, and a batch the processor did not finish is received again once
 * its visibility timeout passes.
 *
 * `doing` ends each log line: `keepRunning(logger, 'serving')` → "uncaught exception; still
 * serving".
 */
export function keepRunning(logger: Logger, doing: string): void {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, `uncaught exception; still ${doing}`);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, `unhandled promise rejection; still ${doing}`);
  });
}
