export { appEnvironment } from './app-env.js';
export { type DurableStatus, durableStatus, setupDurable, teardownDurable } from './durable.js';
export { OpsError, UsageError } from './errors.js';
export { lbState, switchColour } from './lb.js';
export { envPaths, repoRoot, toolPaths } from './paths.js';
export * from './plan.js';
export { createReporter, type Reporter, silentReporter } from './report.js';
export { type RuntimeName, selectRuntime } from './runtime.js';
export { stackStatus } from './stack.js';
