import type { Logger } from '@echobase/infra/logger';

/**
 * The last resort: an error nothing else caught (a throw in a callback, an 'error' event with
 * no listener, a promise nobody awaited) is logged and the process keeps serving, instead of
 * Node's default of exiting. Express already answers 500 for what its handlers throw; this is
 * for what happens outside them, so that no request, however it goes wrong, ends the process.
 * The service holds no state that a failed request could leave half-changed: its database
 * rows and queue messages are each written whole or not at all.
 */
export function keepServing(logger: Logger): void {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; still serving');
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection; still serving');
  });
}
