import type { Runtime } from '../runtime.js';
import { nativeSetup, nativeStatus, nativeTeardown } from './durable.js';
import { nativeLogs } from './logs.js';
import { ownRelease, stackDown, stackStatus, stackUp } from './stack.js';

/** Every service a process under the environment's own supervisor (ADR 0007). */
export const nativeRuntime: Runtime = {
  name: 'native',
  durable: { setup: nativeSetup, teardown: nativeTeardown, status: nativeStatus },
  stack: { up: stackUp, down: stackDown, status: stackStatus, ownRelease },
  logs: nativeLogs,
};
